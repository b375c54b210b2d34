from ringledger.core.errors import Conflict, NotAuthenticated


class EmailTaken(Conflict):
    code = "email_taken"


class CredentialsInvalid(NotAuthenticated):
    """Wrong email or password; the failure row written before raising is kept."""

    code = "credentials_invalid"
    keep_changes = True
