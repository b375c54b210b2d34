from ringledger.core.errors import NotFound, Unprocessable


class BoutNotFound(NotFound):
    code = "bout_not_found"


class EscrowNotFound(NotFound):
    code = "escrow_not_found"


class PlanInvalid(Unprocessable):
    code = "plan_invalid"
