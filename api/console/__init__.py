"""The web console: a Chinese single-page app served at ``/`` that talks only to ``/graphql``."""
