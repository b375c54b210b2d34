"""Request and response bodies of /auth."""

from __future__ import annotations

import contextlib
import unicodedata
import uuid
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

MIN_PASSWORD = 12
MAX_PASSWORD = 1024


MAX_EMAIL = 254  # RFC 5321's limit on a forward path, and the column's width


def normalize_email(value: str) -> str:
    """NFKC, then case-folded (`Straße` = `STRASSE`): the last step of `canonical_email`."""
    folded = unicodedata.normalize("NFKC", value.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def canonical_email(value: str) -> str:
    """How an email is stored and compared, everywhere it is typed (registration, login, the
    operator's commands): email-validator's normalised form — an internationalised domain in
    Unicode whichever way it was written (`xn--bcher-kva.example` is `bücher.example`) — then
    `normalize_email`. Text that is not an email is only normalised: at login it then matches
    no account, which answers as a wrong password does."""
    with contextlib.suppress(EmailNotValidError):
        value = validate_email(value, check_deliverability=False).normalized
    return normalize_email(value)


def valid_email(value: str) -> str:
    """An email address in canonical form; ValueError (email-validator's reason) otherwise."""
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return canonical_email(value)


def _normalized_email(value: str) -> str:
    # The length is checked on the canonical form: case folding can lengthen a string
    # ("İ" becomes two code points), and that form is what gets stored and compared.
    email = canonical_email(value)
    if len(email) > MAX_EMAIL:
        raise ValueError(f"the email is longer than {MAX_EMAIL} characters once normalised")
    return email


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[EmailStr, AfterValidator(_normalized_email)] = Field(max_length=MAX_EMAIL)
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    role: Literal["promoter", "fighter"] = Field(
        description="Self-registration creates promoters and fighters only."
    )


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, AfterValidator(_normalized_email)] = Field(
        min_length=1, max_length=MAX_EMAIL
    )
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class PasswordChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class UserOut(BaseModel):
    user_id: uuid.UUID
    email: str
    role: Literal["promoter", "fighter", "admin"]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")
