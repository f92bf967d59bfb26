"""Vocabulary of the synthetic source: people, places, organisations, products, topics and
sentence templates in nine languages, with positive, negative, neutral and mixed opinions."""

from __future__ import annotations

from dataclasses import dataclass

PEOPLE = [
    "Taylor Swift",
    "Lionel Messi",
    "Greta Thunberg",
    "Volodymyr Zelensky",
    "Emmanuel Macron",
    "Olaf Scholz",
    "Sam Altman",
    "Serena Williams",
    "Kylian Mbappé",
    "Ursula von der Leyen",
    "Lula da Silva",
    "Pedro Sánchez",
    "Giorgia Meloni",
    "Naomi Osaka",
    "Elon Musk",
    "Ada Lovelace",
]
PLACES = [
    "Kyiv",
    "London",
    "Paris",
    "Berlin",
    "Madrid",
    "Lisbon",
    "Rome",
    "New York",
    "Tokyo",
    "São Paulo",
    "Mexico City",
    "Kharkiv",
    "Odesa",
    "Barcelona",
    "Munich",
    "Toronto",
    "Nairobi",
]
ORGS = [
    "NASA",
    "the UN",
    "Greenpeace",
    "OpenAI",
    "FC Barcelona",
    "Real Madrid",
    "the BBC",
    "Reuters",
    "the EU Commission",
    "Google",
    "Microsoft",
    "UNICEF",
    "Red Cross",
    "Bayern Munich",
    "Juventus",
]
PRODUCTS = [
    "iPhone 17",
    "Pixel 10",
    "Galaxy S26",
    "ChatGPT",
    "Model Y",
    "PlayStation 6",
    "Kindle",
    "AirPods Pro",
    "Nintendo Switch 2",
    "Surface Pro",
    "Steam Deck",
    "Vision Pro",
]
DOMAINS = [
    "bbc.co.uk",
    "reuters.com",
    "nytimes.com",
    "lemonde.fr",
    "elpais.com",
    "spiegel.de",
    "github.com",
    "youtube.com",
    "theguardian.com",
    "kyivindependent.com",
    "nature.com",
]
FIRST = [
    "Anna",
    "Ben",
    "Chloé",
    "Diego",
    "Eva",
    "Farid",
    "Giulia",
    "Hannah",
    "Ivan",
    "Julia",
    "Kenji",
    "Lucas",
    "Maria",
    "Noah",
    "Olena",
    "Paulo",
    "Quinn",
    "Rosa",
    "Sven",
    "Taras",
    "Uma",
    "Valentina",
    "Wei",
    "Yuki",
    "Zoe",
    "Amara",
    "Bruno",
    "Camille",
    "Dmytro",
    "Elif",
]
LAST = [
    "Smith",
    "García",
    "Müller",
    "Rossi",
    "Dubois",
    "Silva",
    "Kovalenko",
    "Tanaka",
    "Nowak",
    "Johnson",
    "Fernández",
    "Schmidt",
    "Bianchi",
    "Martin",
    "Santos",
    "Shevchenko",
    "Sato",
    "Brown",
    "López",
    "Weber",
    "Ricci",
    "Bernard",
    "Costa",
    "Petrenko",
    "Kim",
    "Okafor",
]
BIOS = [
    "Journalist. Views my own.",
    "Coffee, code and cats.",
    "Climate scientist 🌍",
    "Football is life ⚽",
    "Product designer at a startup",
    "Dad, runner, optimist",
    "Periodista · opiniones personales",
    "Photographe amateur 📷",
    "Lehrerin aus Berlin",
    "Engenheira de software",
    "Studentessa di fisica",
    "Історик і волонтер",
    "",
]
SOURCES = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App", "TweetDeck", "Buffer"]


@dataclass(frozen=True, slots=True)
class Topic:
    """A subject users track, how each language names it, and its usual hashtags."""

    keyword: str
    hashtags: tuple[str, ...]
    subjects: dict[str, tuple[str, ...]]  # language -> ways to name the topic


TOPICS = (
    Topic(
        "ukraine",
        ("Ukraine", "StandWithUkraine", "Kyiv"),
        {
            "en": ("Ukraine", "the war in Ukraine"),
            "es": ("Ucrania",),
            "fr": ("l'Ukraine",),
            "de": ("die Ukraine",),
            "pt": ("a Ucrânia",),
            "it": ("l'Ucraina",),
            "ru": ("Украина",),
            "uk": ("Україна",),
            "ja": ("ウクライナ",),
        },
    ),
    Topic(
        "russia",
        ("Russia", "sanctions"),
        {
            "en": ("Russia", "the sanctions on Russia"),
            "es": ("Rusia",),
            "fr": ("la Russie",),
            "de": ("Russland",),
            "pt": ("a Rússia",),
            "it": ("la Russia",),
            "ru": ("Россия",),
            "uk": ("Росія",),
            "ja": ("ロシア",),
        },
    ),
    Topic(
        "climate",
        ("climate", "ClimateAction", "COP31"),
        {
            "en": ("climate change", "the climate talks"),
            "es": ("el cambio climático",),
            "fr": ("le climat",),
            "de": ("der Klimawandel",),
            "pt": ("o clima",),
            "it": ("il clima",),
            "ru": ("климат",),
            "uk": ("клімат",),
            "ja": ("気候変動",),
        },
    ),
    Topic(
        "ai",
        ("AI", "GenAI", "MachineLearning"),
        {
            "en": ("AI", "this new AI model"),
            "es": ("la IA",),
            "fr": ("l'IA",),
            "de": ("die KI",),
            "pt": ("a IA",),
            "it": ("l'IA",),
            "ru": ("ИИ",),
            "uk": ("ШІ",),
            "ja": ("AI",),
        },
    ),
    Topic(
        "football",
        ("football", "ChampionsLeague", "UCL"),
        {
            "en": ("the football", "the Champions League final"),
            "es": ("el fútbol",),
            "fr": ("le foot",),
            "de": ("der Fußball",),
            "pt": ("o futebol",),
            "it": ("il calcio",),
            "ru": ("футбол",),
            "uk": ("футбол",),
            "ja": ("サッカー",),
        },
    ),
    Topic(
        "coffee",
        ("coffee", "MondayMotivation"),
        {
            "en": ("coffee", "my morning coffee"),
            "es": ("el café",),
            "fr": ("le café",),
            "de": ("der Kaffee",),
            "pt": ("o café",),
            "it": ("il caffè",),
            "ru": ("кофе",),
            "uk": ("кава",),
            "ja": ("コーヒー",),
        },
    ),
    Topic(
        "election",
        ("election", "vote"),
        {
            "en": ("the election", "the debate last night"),
            "es": ("las elecciones",),
            "fr": ("l'élection",),
            "de": ("die Wahl",),
            "pt": ("a eleição",),
            "it": ("le elezioni",),
            "ru": ("выборы",),
            "uk": ("вибори",),
            "ja": ("選挙",),
        },
    ),
)

# Templates per language and sentiment. {s} topic, {p} person, {l} place, {o} organisation,
# {x} product.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
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
        "positive": (
            "¡Qué orgullo! {o} hace un trabajo increíble con {s} en {l}.",
            "{p} estuvo brillante hoy hablando de {s}. ¡Excelente!",
        ),
        "negative": (
            "Es una vergüenza lo de {s}. {o} ha fallado a la gente de {l}.",
            "Mi {x} dejó de funcionar. Pésimo servicio, muy decepcionado.",
        ),
        "neutral": ("{p} llega a {l} para hablar de {s}.", "{o} publicará mañana su informe sobre {s}."),
        "mixed": ("Me encanta el {x}, pero la batería es horrible.",),
    },
    "fr": {
        "positive": (
            "Bravo à {o} pour leur travail sur {s} à {l}, c'est formidable !",
            "{p} était excellent ce soir sur {s}. Magnifique discours.",
        ),
        "negative": (
            "Quelle honte, {o} a complètement échoué sur {s}.",
            "Mon {x} est déjà cassé. Service client nul, je suis furieux.",
        ),
        "neutral": ("{p} est arrivé à {l} pour parler de {s}.", "{o} publiera son rapport sur {s} demain à {l}."),
        "mixed": ("J'adore le {x}, mais la batterie est vraiment décevante.",),
    },
    "de": {
        "positive": (
            "Großartige Arbeit von {o} in {l}! {s} macht endlich Hoffnung.",
            "{p} hat heute super über {s} gesprochen. Toll!",
        ),
        "negative": (
            "Was für ein Desaster. {o} hat bei {s} total versagt.",
            "Mein {x} ist nach zwei Tagen kaputt. Schrecklicher Service.",
        ),
        "neutral": (
            "{p} trifft sich morgen in {l}, Thema: {s}.",
            "{o} veröffentlicht am Donnerstag einen Bericht über {s}.",
        ),
        "mixed": ("Das {x} ist toll, aber der Akku ist eine Katastrophe.",),
    },
    "pt": {
        "positive": (
            "Que orgulho! {o} está fazendo um trabalho incrível com {s} em {l}.",
            "{p} foi brilhante hoje falando sobre {s}. Excelente!",
        ),
        "negative": (
            "Que vergonha, {o} falhou completamente com {s}.",
            "Meu {x} quebrou em dois dias. Atendimento péssimo.",
        ),
        "neutral": (
            "{p} chega a {l} amanhã para falar sobre {s}.",
            "{o} vai publicar um relatório sobre {s} na quinta-feira.",
        ),
        "mixed": ("Adoro o {x}, mas a bateria é horrível.",),
    },
    "it": {
        "positive": (
            "Che orgoglio! {o} sta facendo un lavoro fantastico su {s} a {l}.",
            "{p} è stato bravissimo oggi su {s}. Bellissimo discorso.",
        ),
        "negative": (
            "Che vergogna, {o} ha fallito completamente su {s}.",
            "Il mio {x} si è rotto dopo due giorni. Assistenza pessima.",
        ),
        "neutral": ("{p} arriva a {l} domani per parlare di {s}.", "{o} pubblicherà un rapporto su {s} giovedì."),
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
LANG_WEIGHTS = (("en", 60), ("es", 9), ("fr", 6), ("de", 6), ("pt", 6), ("it", 4), ("ru", 3), ("uk", 3), ("ja", 3))
SENTIMENT_WEIGHTS = (("positive", 30), ("negative", 30), ("neutral", 30), ("mixed", 10))
AUTHORS = 2000
