from ringledger.core.errors import Conflict, NotAuthenticated


class EmailTaken(Conflict):
    """The row counting the registration attempt is kept (the hash was spent all the same)."""

    code = "email_taken"
    keep_changes = True


class CredentialsInvalid(NotAuthenticated):
    """Wrong email or password; the failure row written before raising is kept."""

    code = "credentials_invalid"
    keep_changes = True
