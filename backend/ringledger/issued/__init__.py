"""Issued tokens: the ledger checks of a token bout, the tokens bouts may use, and a fighter's
trust lines."""
