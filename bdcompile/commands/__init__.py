"""Subcommands of ``bdcompile`` with ``add_parser(subparsers)`` and ``run(args)``."""
