"""``synthetic``: a seeded, deterministic generator of realistic posts.

For the demo, the tests and the benchmarks. Post number ``i`` of seed ``s`` is always the same
post (its own random stream is seeded from ``(s, i)``), so a run can resume from a cursor and a
re-run produces the same ids, which the lake de-duplicates.

The mix: nine languages (mostly English, as on the real stream), positive, negative, neutral and
mixed opinions, people, places, organisations and products, hashtags, mentions, links, replies,
quotes and retweets, from a pool of authors with heavy-tailed follower counts. Topics carry the
words users typically track (``ukraine``, ``climate``, ``ai``, ``football``, ``coffee``, ...).

Timing: with ``rate`` the source emits that many posts a second and stamps them with the wall
clock (a live stream). Without it, it emits as fast as the pipeline takes them; ``start`` then
fixes the timestamps (``start + i * spacing``) so output is fully reproducible.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tweetlake.errors import ConfigError
from tweetlake.record import Post, reference_created_at
from tweetlake.sources.base import Item, Source

__all__ = ["SyntheticSource", "generate_post"]

# -- vocabulary ----------------------------------------------------------------------------------
_PEOPLE = [
    "Taylor Swift", "Lionel Messi", "Greta Thunberg", "Volodymyr Zelensky", "Emmanuel Macron",
    "Olaf Scholz", "Sam Altman", "Serena Williams", "Kylian Mbappé", "Ursula von der Leyen",
    "Lula da Silva", "Pedro Sánchez", "Giorgia Meloni", "Naomi Osaka", "Elon Musk", "Ada Lovelace",
]
_PLACES = [
    "Kyiv", "London", "Paris", "Berlin", "Madrid", "Lisbon", "Rome", "New York", "Tokyo",
    "São Paulo", "Mexico City", "Kharkiv", "Odesa", "Barcelona", "Munich", "Toronto", "Nairobi",
]
_ORGS = [
    "NASA", "the UN", "Greenpeace", "OpenAI", "FC Barcelona", "Real Madrid", "the BBC", "Reuters",
    "the EU Commission", "Google", "Microsoft", "UNICEF", "Red Cross", "Bayern Munich", "Juventus",
]
_PRODUCTS = [
    "iPhone 17", "Pixel 10", "Galaxy S26", "ChatGPT", "Model Y", "PlayStation 6", "Kindle",
    "AirPods Pro", "Nintendo Switch 2", "Surface Pro", "Steam Deck", "Vision Pro",
]
_DOMAINS = ["bbc.co.uk", "reuters.com", "nytimes.com", "lemonde.fr", "elpais.com", "spiegel.de",
            "github.com", "youtube.com", "theguardian.com", "kyivindependent.com", "nature.com"]
_FIRST = ["Anna", "Ben", "Chloé", "Diego", "Eva", "Farid", "Giulia", "Hannah", "Ivan", "Julia",
          "Kenji", "Lucas", "Maria", "Noah", "Olena", "Paulo", "Quinn", "Rosa", "Sven", "Taras",
          "Uma", "Valentina", "Wei", "Yuki", "Zoe", "Amara", "Bruno", "Camille", "Dmytro", "Elif"]
_LAST = ["Smith", "García", "Müller", "Rossi", "Dubois", "Silva", "Kovalenko", "Tanaka", "Nowak",
         "Johnson", "Fernández", "Schmidt", "Bianchi", "Martin", "Santos", "Shevchenko", "Sato",
         "Brown", "López", "Weber", "Ricci", "Bernard", "Costa", "Petrenko", "Kim", "Okafor"]
_BIOS = ["Journalist. Views my own.", "Coffee, code and cats.", "Climate scientist 🌍",
         "Football is life ⚽", "Product designer at a startup", "Dad, runner, optimist",
         "Periodista · opiniones personales", "Photographe amateur 📷", "Lehrerin aus Berlin",
         "Engenheira de software", "Studentessa di fisica", "Історик і волонтер", ""]
_SOURCES = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App", "TweetDeck", "Buffer"]


@dataclass(frozen=True, slots=True)
class _Topic:
    keyword: str
    hashtags: tuple[str, ...]
    subjects: dict[str, tuple[str, ...]]  # language -> ways to name the topic


_TOPICS = (
    _Topic("ukraine", ("Ukraine", "StandWithUkraine", "Kyiv"),
           {"en": ("Ukraine", "the war in Ukraine"), "es": ("Ucrania",), "fr": ("l'Ukraine",),
            "de": ("die Ukraine",), "pt": ("a Ucrânia",), "it": ("l'Ucraina",),
            "ru": ("Украина",), "uk": ("Україна",), "ja": ("ウクライナ",)}),
    _Topic("russia", ("Russia", "sanctions"),
           {"en": ("Russia", "the sanctions on Russia"), "es": ("Rusia",), "fr": ("la Russie",),
            "de": ("Russland",), "pt": ("a Rússia",), "it": ("la Russia",), "ru": ("Россия",),
            "uk": ("Росія",), "ja": ("ロシア",)}),
    _Topic("climate", ("climate", "ClimateAction", "COP31"),
           {"en": ("climate change", "the climate talks"), "es": ("el cambio climático",),
            "fr": ("le climat",), "de": ("der Klimawandel",), "pt": ("o clima",),
            "it": ("il clima",), "ru": ("климат",), "uk": ("клімат",), "ja": ("気候変動",)}),
    _Topic("ai", ("AI", "GenAI", "MachineLearning"),
           {"en": ("AI", "this new AI model"), "es": ("la IA",), "fr": ("l'IA",), "de": ("die KI",),
            "pt": ("a IA",), "it": ("l'IA",), "ru": ("ИИ",), "uk": ("ШІ",), "ja": ("AI",)}),
    _Topic("football", ("football", "ChampionsLeague", "UCL"),
           {"en": ("the football", "the Champions League final"), "es": ("el fútbol",),
            "fr": ("le foot",), "de": ("der Fußball",), "pt": ("o futebol",), "it": ("il calcio",),
            "ru": ("футбол",), "uk": ("футбол",), "ja": ("サッカー",)}),
    _Topic("coffee", ("coffee", "MondayMotivation"),
           {"en": ("coffee", "my morning coffee"), "es": ("el café",), "fr": ("le café",),
            "de": ("der Kaffee",), "pt": ("o café",), "it": ("il caffè",), "ru": ("кофе",),
            "uk": ("кава",), "ja": ("コーヒー",)}),
    _Topic("election", ("election", "vote"),
           {"en": ("the election", "the debate last night"), "es": ("las elecciones",),
            "fr": ("l'élection",), "de": ("die Wahl",), "pt": ("a eleição",),
            "it": ("le elezioni",), "ru": ("выборы",), "uk": ("вибори",), "ja": ("選挙",)}),
)

# Templates per language and sentiment. {s} topic, {p} person, {l} place, {o} organisation,
# {x} product.
_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "positive": (
            "Honestly so proud of how {l} is handling {s}. Great work by {o}!",
            "{p} absolutely nailed it today on {s}. Best speech in years 👏",
            "Just got the {x} and I love it. Worth every penny, {s} or not.",
            "Amazing news from {l} about {s} — finally some hope!",
            "Thank you {o} for the brilliant coverage of {s}. Superb reporting.",
        ),
        "negative": (
            "This is a disaster. {o} completely failed on {s} and people in {l} pay the price.",
            "Worst take on {s} I have read all week. Shame on you, {p}.",
            "My {x} broke after two days. Terrible support, awful experience.",
            "So angry about {s}. The situation in {l} is heartbreaking and nobody cares.",
            "{p} lied again about {s}. Pathetic and dangerous.",
        ),
        "neutral": (
            "{o} will publish its report on {s} tomorrow at 10:00 in {l}.",
            "Live thread: {p} is speaking about {s} in {l} now.",
            "The {x} goes on sale in {l} next week, according to {o}.",
            "Meeting in {l} on Thursday to discuss {s}. Agenda is online.",
            "{p} arrives in {l} for talks on {s}.",
        ),
        "mixed": (
            "Love the {x}, but the battery is terrible and {o} support is useless.",
            "Great speech by {p} on {s}, but the plan itself is a mess.",
            "{l} was beautiful, the food amazing, but the chaos around {s} ruined it.",
            "Happy for {p}, sad about {s}. What a weird, wonderful, awful day.",
        ),
    },
    "es": {
        "positive": ("¡Qué orgullo! {o} hace un trabajo increíble con {s} en {l}.",
                     "{p} estuvo brillante hoy hablando de {s}. ¡Excelente!"),
        "negative": ("Es una vergüenza lo de {s}. {o} ha fallado a la gente de {l}.",
                     "Mi {x} dejó de funcionar. Pésimo servicio, muy decepcionado."),
        "neutral": ("{p} llega a {l} para hablar de {s}.",
                    "{o} publicará mañana su informe sobre {s}."),
        "mixed": ("Me encanta el {x}, pero la batería es horrible.",),
    },
    "fr": {
        "positive": ("Bravo à {o} pour leur travail sur {s} à {l}, c'est formidable !",
                     "{p} était excellent ce soir sur {s}. Magnifique discours."),
        "negative": ("Quelle honte, {o} a complètement échoué sur {s}.",
                     "Mon {x} est déjà cassé. Service client nul, je suis furieux."),
        "neutral": ("{p} est arrivé à {l} pour parler de {s}.",
                    "{o} publiera son rapport sur {s} demain à {l}."),
        "mixed": ("J'adore le {x}, mais la batterie est vraiment décevante.",),
    },
    "de": {
        "positive": ("Großartige Arbeit von {o} in {l}! {s} macht endlich Hoffnung.",
                     "{p} hat heute super über {s} gesprochen. Toll!"),
        "negative": ("Was für ein Desaster. {o} hat bei {s} total versagt.",
                     "Mein {x} ist nach zwei Tagen kaputt. Schrecklicher Service."),
        "neutral": ("{p} trifft sich morgen in {l}, Thema: {s}.",
                    "{o} veröffentlicht am Donnerstag einen Bericht über {s}."),
        "mixed": ("Das {x} ist toll, aber der Akku ist eine Katastrophe.",),
    },
    "pt": {
        "positive": ("Que orgulho! {o} está fazendo um trabalho incrível com {s} em {l}.",
                     "{p} foi brilhante hoje falando sobre {s}. Excelente!"),
        "negative": ("Que vergonha, {o} falhou completamente com {s}.",
                     "Meu {x} quebrou em dois dias. Atendimento péssimo."),
        "neutral": ("{p} chega a {l} amanhã para falar sobre {s}.",
                    "{o} vai publicar um relatório sobre {s} na quinta-feira."),
        "mixed": ("Adoro o {x}, mas a bateria é horrível.",),
    },
    "it": {
        "positive": ("Che orgoglio! {o} sta facendo un lavoro fantastico su {s} a {l}.",
                     "{p} è stato bravissimo oggi su {s}. Bellissimo discorso."),
        "negative": ("Che vergogna, {o} ha fallito completamente su {s}.",
                     "Il mio {x} si è rotto dopo due giorni. Assistenza pessima."),
        "neutral": ("{p} arriva a {l} domani per parlare di {s}.",
                    "{o} pubblicherà un rapporto su {s} giovedì."),
        "mixed": ("Adoro il {x}, ma la batteria è terribile.",),
    },
    "ru": {
        "positive": ("Отличные новости из {l}: {s} — наконец-то надежда!",),
        "negative": ("Ужасная ситуация: {s}. {o} снова провалились.",),
        "neutral": ("{p} прибудет в {l} завтра. Тема: {s}.",),
        "mixed": ("{x} классный, но батарея просто ужасная.",),
    },
    "uk": {
        "positive": ("Чудові новини з {l}! {s} — дякуємо {o}!",),
        "negative": ("Жахливо. {s} — і знову ніхто не допомагає.",),
        "neutral": ("{p} завтра буде в {l}. Тема: {s}.",),
        "mixed": ("{x} гарний, але батарея жахлива.",),
    },
    "ja": {
        "positive": ("{l}からの{s}のニュース、本当に嬉しい！",),
        "negative": ("{s}について最悪のニュース。本当に悲しい。",),
        "neutral": ("{p}が明日{l}で{s}について話します。",),
        "mixed": ("{x}は好きだけど、バッテリーが最悪。",),
    },
}
_LANG_WEIGHTS = (("en", 60), ("es", 9), ("fr", 6), ("de", 6), ("pt", 6), ("it", 4), ("ru", 3),
                 ("uk", 3), ("ja", 3))
_SENTIMENT_WEIGHTS = (("positive", 30), ("negative", 30), ("neutral", 30), ("mixed", 10))
_AUTHORS = 2000


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


@dataclass(frozen=True, slots=True)
class _Author:
    id: str
    name: str
    screen_name: str
    description: str
    followers: int
    friends: int
    location: str


def _author(seed: int, number: int) -> _Author:
    rng = random.Random(f"author:{seed}:{number}")
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    handle = f"{first}{last}".lower().replace("é", "e").replace("í", "i").replace("á", "a")
    return _Author(
        id=f"{seed}{number:06d}",
        name=f"{first} {last}",
        screen_name=f"{handle}{number % 997}",
        description=rng.choice(_BIOS),
        followers=int(rng.paretovariate(1.1) * 40),
        friends=int(rng.lognormvariate(5.5, 1.0)),
        location=rng.choice(_PLACES + ["", "Earth", "🌍"]),
    )


def generate_post(seed: int, index: int, created: datetime) -> Post:
    """Build post ``index`` of the stream for ``seed``, stamped with ``created``."""
    rng = random.Random(seed * 1_000_003 + index)
    author = _author(seed, int(rng.paretovariate(1.3) * 7) % _AUTHORS)
    lang = _weighted(rng, _LANG_WEIGHTS)
    topic = rng.choice(_TOPICS)
    sentiment = _weighted(rng, _SENTIMENT_WEIGHTS)
    template = rng.choice(_TEMPLATES[lang][sentiment])
    text = template.format(
        s=rng.choice(topic.subjects[lang]),
        p=rng.choice(_PEOPLE),
        l=rng.choice(_PLACES),
        o=rng.choice(_ORGS),
        x=rng.choice(_PRODUCTS),
    )
    hashtags = rng.sample(topic.hashtags, k=rng.choice((0, 1, 1, 2)))
    mentions: list[str] = []
    urls: list[str] = []
    if hashtags:
        text += " " + " ".join(f"#{tag}" for tag in hashtags)
    if rng.random() < 0.25:
        url = f"https://{rng.choice(_DOMAINS)}/{topic.keyword}/{rng.randrange(10**6)}"
        urls.append(url)
        text += f" {url}"
    post_id = f"{seed}{index:012d}"
    kind = rng.random()
    reply_to = quoted = repost_of = reply_name = None
    if kind < 0.12 and index > 0:  # retweet of an earlier post
        original = _author(seed, rng.randrange(_AUTHORS))
        repost_of = f"{seed}{rng.randrange(index):012d}"
        mentions.append(original.screen_name)
        text = f"RT @{original.screen_name}: {text}"
    elif kind < 0.27 and index > 0:  # reply
        other = _author(seed, rng.randrange(_AUTHORS))
        reply_name = other.screen_name
        reply_to = f"{seed}{rng.randrange(index):012d}"
        mentions.append(other.screen_name)
        text = f"@{other.screen_name} {text}"
    elif kind < 0.35 and index > 0:  # quote
        quoted = f"{seed}{rng.randrange(index):012d}"
    if rng.random() < 0.1:
        extra = _author(seed, rng.randrange(_AUTHORS)).screen_name
        mentions.append(extra)
        text += f" cc @{extra}"
    return Post(
        created_at=reference_created_at(created),
        text=text,
        name=author.name,
        screen_name=author.screen_name,
        description=author.description,
        id=post_id,
        followers=author.followers,
        friends=author.friends,
        source=rng.choice(_SOURCES),
        lang=lang,
        location=author.location or None,
        truncated=False,
        filter_level="low",
        in_reply_to_screen_name=reply_name,
        is_quote_status=quoted is not None,
        platform="synthetic",
        created_ts=created,
        author_id=author.id,
        hashtags=hashtags,
        mentions=mentions,
        urls=urls,
        is_repost=repost_of is not None,
        repost_of_id=repost_of,
        quoted_id=quoted,
        in_reply_to_id=reply_to,
        post_url=None,
    )


class SyntheticSource(Source):
    """Generate posts ``0 .. count-1`` of seed ``seed``.

    Args:
        seed: selects the stream; the same seed gives the same posts and ids.
        count: how many posts in all (None: until stopped).
        rate: posts per second, stamped with the wall clock (None: as fast as possible).
        start: timestamp of post 0 when ``rate`` is None; later posts follow ``spacing`` apart.
            Defaults to the moment the source opens.
        spacing: seconds between consecutive posts' timestamps when ``rate`` is None.
    """

    name = "synthetic"

    def __init__(
        self,
        seed: int = 1,
        count: int | None = None,
        rate: float | None = None,
        start: datetime | None = None,
        spacing: float = 0.001,
    ) -> None:
        if count is not None and count < 0:
            raise ConfigError(f"--count must be 0 or more, got {count}")
        if rate is not None and rate <= 0:
            raise ConfigError(f"--rate must be a positive number of posts per second, got {rate}")
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.seed, self.count, self.rate, self.spacing = seed, count, rate, spacing
        self.start = start
        self.next_index = 0
        self._first_index = 0
        self._clock_start = 0.0

    @property
    def source_id(self) -> str:
        return f"synthetic-seed{self.seed}"

    def open(self, resume: Any | None) -> None:
        if isinstance(resume, dict) and isinstance(resume.get("next_index"), int):
            self.next_index = resume["next_index"]
        self._first_index = self.next_index
        self._clock_start = time.monotonic()
        if self.start is None:
            self.start = datetime.now(UTC)

    def snapshot(self) -> dict[str, int]:
        return {"next_index": self.next_index}

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.next_index >= self.count

    def poll(self, max_items: int) -> list[Item]:
        limit = max_items
        if self.count is not None:
            limit = min(limit, self.count - self.next_index)
        if self.rate is not None:
            due = int((time.monotonic() - self._clock_start) * self.rate) - (self.next_index - self._first_index)
            if due <= 0:
                time.sleep(min(0.05, 1 / self.rate))
                return []
            limit = min(limit, due)
        items: list[Item] = []
        assert self.start is not None
        for _ in range(max(limit, 0)):
            i = self.next_index
            if self.rate is not None:
                created = datetime.now(UTC)
            else:
                created = self.start + timedelta(seconds=i * self.spacing)
            items.append(generate_post(self.seed, i, created))
            self.next_index += 1
        return items
