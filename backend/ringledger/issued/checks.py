"""Would the ledger take a token bout's EscrowCreates, and can each fighter receive the token?
Read from the validated ledger (`XRPL_MODE=rpc`) before anything is put in front of a signer.

The ledger's own rules (docs/xrpl-and-xaman.md, "Token escrows"): the issuer must allow
trust-line locking and have no global freeze; the promoter needs a line to the issuer holding the
amounts, not frozen, authorized where the issuer requires it; and although a create only needs the
destination's line where the issuer requires authorization, a finish submitted by anyone but the
destination cannot create a missing line (tecNO_LINE) — so each fighter's line is checked before
the escrows exist, not discovered at payout: there, with room for what the bout pays them,
unfrozen (any freeze fails the create or the finish), authorized where required.

Each check answers with the reason it fails, saying who must do what, or None: escrow prepare
refuses with it (`issuer_rate`), the fighter's trust-line panel shows it (`fighter_reason`).
"""

from __future__ import annotations

from decimal import Decimal

from ringledger.bouts.errors import PlanInvalid
from ringledger.bouts.models import EscrowStatus, Winner
from ringledger.bouts.records import BoutRow, EscrowRow, Token
from ringledger.core.tokens import EXACT, NO_TRANSFER_FEE, ledger_decimal, plain, same_currency
from ringledger.ledger.interface import LedgerReader
from ringledger.ledger.state import AccountInfo, TrustLine

ASF_ALLOW_TRUST_LINE_LOCKING = 17  # the AccountSet flag that sets lsfAllowTrustLineLocking


async def issuer_rate(ledger: LedgerReader, bout: BoutRow) -> int:
    """The issuer's transfer rate now (1000000000: no fee), once every check of the bout
    passes; PlanInvalid with the first failing check's reason otherwise."""
    token = bout.token
    assert token is not None, "only a token bout is checked"
    issuer = await ledger.account_info(token.issuer)
    reason = issuer_reason(token, issuer)
    if reason is None:
        assert issuer is not None
        reason = await _promoter_reason(ledger, bout, token, issuer) or await _fighters_reason(
            ledger, bout, token, issuer
        )
    if reason is not None:
        raise PlanInvalid(reason)
    assert issuer is not None
    return issuer.transfer_rate or NO_TRANSFER_FEE


def issuer_reason(token: Token, issuer: AccountInfo | None) -> str | None:
    """Why no escrow of the token can be created now, or None."""
    if issuer is None:
        return (
            f"The issuer of {token.label} ({token.issuer}) is not an account on the ledger: the "
            "operator must check RINGLEDGER_TOKENS."
        )
    if not issuer.allow_trust_line_locking:
        return (
            f"The issuer of {token.label} ({token.issuer}) does not let its token be locked in "
            "escrows: the issuer must enable Allow Trust Line Locking (AccountSet flag "
            f"{ASF_ALLOW_TRUST_LINE_LOCKING}) before this bout's escrows can be created."
        )
    if issuer.global_freeze:
        return (
            f"The issuer of {token.label} has frozen the token for everyone (global freeze): "
            "no escrow of it can be created until the issuer lifts the freeze."
        )
    return None


async def _promoter_reason(
    ledger: LedgerReader, bout: BoutRow, token: Token, issuer: AccountInfo
) -> str | None:
    planned = [escrow for escrow in bout.escrows if escrow.status == EscrowStatus.PLANNED]
    if not planned:
        return None
    needed = total(planned)
    who = f"The promoter's account {bout.promoter_xrpl_address}"
    line = await trust_line(ledger, bout.promoter_xrpl_address, token)
    if line is None:
        return (
            f"{who} has no trust line for {token.label}: the promoter must set one up and hold "
            "the purses in it."
        )
    if frozen(line):
        return f"{who}'s {token.label} trust line is frozen: the issuer must lift the freeze."
    if issuer.require_authorization and not line.peer_authorized:
        return f"The issuer of {token.label} must authorize {who}'s trust line first."
    held = ledger_decimal(line.balance) or Decimal(0)
    if held < needed:
        return (
            f"{who} holds {plain(max(held, Decimal(0)))} {token.label}, less than the "
            f"{plain(needed)} the escrows still to be created lock: the promoter must fund the "
            "account first."
        )
    return None


async def _fighters_reason(
    ledger: LedgerReader, bout: BoutRow, token: Token, issuer: AccountInfo
) -> str | None:
    for corner in (Winner.A, Winner.B):
        owed = [escrow for escrow in bout.escrows if escrow.kind.corner == corner]
        address = owed[0].destination_address
        who = f"Fighter {corner.value} ({address})"
        line = await trust_line(ledger, address, token)
        reason = fighter_reason(who, address, token, issuer, line, total(owed))
        if reason is not None:
            return reason
    return None


def fighter_reason(
    who: str,
    address: str,
    token: Token,
    issuer: AccountInfo,
    line: TrustLine | None,
    owed: Decimal,
    *,
    yours: bool = False,
) -> str | None:
    """Why `address` (named `who`) cannot receive `owed` of the token on its line, or None;
    `yours`: said to the fighter themself."""
    if address == token.issuer:
        return None  # the issuer receives its own token without a line
    actor = "you must" if yours else "the fighter must"
    if line is None:
        return (
            f"{who} has no trust line for {token.label} from {token.issuer}: {actor} add one "
            "(a TrustSet from that account; POST /fighters/me/trust-lines makes the sign "
            "request)."
        )
    if frozen(line):
        return f"{who}'s {token.label} trust line is frozen: the issuer must lift the freeze."
    if issuer.require_authorization and not line.peer_authorized:
        return f"The issuer of {token.label} must authorize {who}'s trust line first."
    room = room_on(line)
    if room < owed:
        return (
            f"{who}'s {token.label} trust line has room for {plain(max(room, Decimal(0)))}, "
            f"less than the {plain(owed)} still to be paid to it: {actor} raise its limit (a "
            "TrustSet from that account)."
        )
    return None


async def trust_line(ledger: LedgerReader, account: str, token: Token) -> TrustLine | None:
    """The account's line to the token's issuer for its currency, from the account's side."""
    for line in await ledger.trust_lines(account, peer=token.issuer):
        if same_currency(line.currency, token.currency):
            return line
    return None


def room_on(line: TrustLine) -> Decimal:
    """How much more the line's owner may hold: its limit less its balance."""
    limit = ledger_decimal(line.limit) or Decimal(0)
    return EXACT.subtract(limit, ledger_decimal(line.balance) or Decimal(0))


def frozen(line: TrustLine) -> bool:
    """Any freeze on either side: a frozen destination line fails the create itself."""
    return line.freeze or line.freeze_peer or line.deep_freeze or line.deep_freeze_peer


def total(escrows: list[EscrowRow]) -> Decimal:
    """The token amounts of `escrows` together, exactly."""
    summed = Decimal(0)
    for escrow in escrows:
        assert escrow.amount_value is not None, "a token escrow's amount is a value"
        summed = EXACT.add(summed, escrow.amount_value)
    return summed
