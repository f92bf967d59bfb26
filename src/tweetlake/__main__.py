"""``python -m tweetlake`` is the ``tweetlake`` command."""

from tweetlake.cli.main import main

main()
