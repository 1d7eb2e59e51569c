"""Allow `python -m tracker_rag.cli`."""

from tracker_rag.cli.main import main

main()
