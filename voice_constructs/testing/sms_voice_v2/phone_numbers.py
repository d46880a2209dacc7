"""v2's origination phone numbers, and the numbers a test declares.

``RequestPhoneNumber``, ``DescribePhoneNumbers``, ``UpdatePhoneNumber``, ``ReleasePhoneNumber``.

A requested number is ``ACTIVE`` at once (the service's goes through ``PENDING``), in the
fictional ``555-01XX`` range of the North American plan: the fake issues numbers of ``US`` and
``CA`` only; a test declares any other with :meth:`PhoneNumbers.adopt`. Registrations, opt-out
lists other than ``Default``, two-way channels and client tokens are not modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from voice_constructs.testing.models import E164
from voice_constructs.testing.sms_voice_v2.common import (
    MODEL,
    AdoptionError,
    Where,
    described,
    flag,
    is_id,
    new_id,
    tags,
)
from voice_constructs.testing.sms_voice_v2.countries import country_of
from voice_constructs.testing.sms_voice_v2.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
    ValidationException,
)

KIND = "phone-number"
ID_PREFIX = "phone"
CAPABILITIES = ("SMS", "VOICE", "MMS", "RCS")
MESSAGE_TYPES = ("TRANSACTIONAL", "PROMOTIONAL")
NUMBER_TYPES = ("SHORT_CODE", "LONG_CODE", "TOLL_FREE", "TEN_DLC", "SIMULATOR")
DEFAULT_OPT_OUT_LIST = "Default"
# Area codes whose fictional 555-0100 to 555-0199 numbers the fake issues, per country (not
# 206, 425 or 503, whose numbers the project's tests and examples use).
_AREAS = {
    "US": ("564", "509", "360", "253", "458", "541", "971", "916", "559", "661"),
    "CA": ("604", "416", "514", "613", "403", "780", "902", "204", "306", "705"),
}
# What a requested number costs a month, as the service reports it (a string, US dollars).
_MONTHLY_PRICE = "1.00"


@dataclass
class PhoneNumber:
    """One origination phone number of the account."""

    phone_number_id: str
    arn: str
    phone_number: str
    iso_country_code: str
    message_type: str
    capabilities: list[str]
    number_type: str
    created: float
    deletion_protection: bool = False
    international_sending: bool = False
    two_way: bool = False
    self_managed_opt_outs: bool = False
    pool_id: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def voice(self) -> bool:
        """Whether the number can place calls."""
        return "VOICE" in self.capabilities

    def to_json(self) -> dict[str, Any]:
        """The number as ``PhoneNumberInformation`` (``DescribePhoneNumbers``)."""
        info: dict[str, Any] = {
            "PhoneNumberArn": self.arn,
            "PhoneNumberId": self.phone_number_id,
            "PhoneNumber": self.phone_number,
            "Status": "ACTIVE",
            "IsoCountryCode": self.iso_country_code,
            "MessageType": self.message_type,
            "NumberCapabilities": list(self.capabilities),
            "NumberType": self.number_type,
            "MonthlyLeasingPrice": _MONTHLY_PRICE,
            "TwoWayEnabled": self.two_way,
            "SelfManagedOptOutsEnabled": self.self_managed_opt_outs,
            "OptOutListName": DEFAULT_OPT_OUT_LIST,
            "InternationalSendingEnabled": self.international_sending,
            "DeletionProtectionEnabled": self.deletion_protection,
            "CreatedTimestamp": self.created,
        }
        if self.pool_id is not None:
            info["PoolId"] = self.pool_id
        return info

    def values_of(self, name: str) -> list[str]:
        """The number's values for a ``PhoneNumberFilter`` name."""
        by_name = {
            "status": ["ACTIVE"],
            "iso-country-code": [self.iso_country_code],
            "message-type": [self.message_type],
            "number-capability": list(self.capabilities),
            "number-type": [self.number_type],
            "two-way-enabled": [flag(self.two_way)],
            "self-managed-opt-outs-enabled": [flag(self.self_managed_opt_outs)],
            "opt-out-list-name": [DEFAULT_OPT_OUT_LIST],
            "deletion-protection-enabled": [flag(self.deletion_protection)],
            "two-way-channel-arn": [],
        }
        return by_name.get(name, [])


class PhoneNumbers:
    """The phone numbers of one account and region."""

    def __init__(self, where: Where, clock: Callable[[], float]) -> None:
        self.where = where
        self.clock = clock
        self.numbers: dict[str, PhoneNumber] = {}

    def find(self, identity: str) -> PhoneNumber | None:
        """The number ``identity`` names: its id, its ARN or (E.164) the number itself."""
        if identity.startswith("+"):
            return next((n for n in self.numbers.values() if n.phone_number == identity), None)
        local = self.where.local_id(identity, KIND)
        return self.numbers.get(local) if local is not None else None

    def get(self, identity: str) -> PhoneNumber:
        """The number ``identity`` names, or ``ResourceNotFoundException`` (``phone-number``)."""
        number = self.find(identity)
        if number is None:
            raise ResourceNotFoundException(KIND, identity)
        return number

    def request(self, body: dict[str, Any]) -> PhoneNumber:
        """``RequestPhoneNumber`` (checked; a ``PoolId`` is the backend's to join)."""
        MODEL.validate("RequestPhoneNumber", body)
        if body["NumberType"] == "SIMULATOR" and body["MessageType"] != "TRANSACTIONAL":
            raise ValidationException(
                "MessageType", "must be TRANSACTIONAL for a SIMULATOR number", "INVALID_PARAMETER"
            )
        opt_out = body.get("OptOutListName")
        if opt_out is not None and opt_out != DEFAULT_OPT_OUT_LIST:
            raise ResourceNotFoundException("opt-out-list", opt_out)
        if body.get("RegistrationId") is not None:
            raise ResourceNotFoundException("registration", body["RegistrationId"])
        country = body["IsoCountryCode"]
        if country not in _AREAS:
            raise ValidationException(
                "IsoCountryCode",
                f"the emulator issues numbers of {' and '.join(_AREAS)} only; declare a number "
                "of another country with adopt_phone_number",
                "INVALID_PARAMETER",
            )
        number = self._add(
            phone_number=self._free_number(country),
            iso_country_code=country,
            message_type=body["MessageType"],
            capabilities=list(dict.fromkeys(body["NumberCapabilities"])),
            number_type=body["NumberType"],
        )
        number.deletion_protection = bool(body.get("DeletionProtectionEnabled", False))
        number.international_sending = bool(body.get("InternationalSendingEnabled", False))
        number.tags = tags(body)
        return number

    def describe(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DescribePhoneNumbers``: by id or ARN (each must exist), filtered, one page."""
        MODEL.validate("DescribePhoneNumbers", body)
        return described(
            body, "PhoneNumberIds", self.get, self.numbers.values(), "PhoneNumbers", owned=True
        )

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        """``UpdatePhoneNumber``: the flags it names (two-way, opt-outs, protection, ...)."""
        MODEL.validate("UpdatePhoneNumber", body)
        number = self.get(body["PhoneNumberId"])
        opt_out = body.get("OptOutListName")
        if opt_out is not None and opt_out != DEFAULT_OPT_OUT_LIST:
            raise ResourceNotFoundException("opt-out-list", opt_out)
        for member, attribute in (
            ("TwoWayEnabled", "two_way"),
            ("SelfManagedOptOutsEnabled", "self_managed_opt_outs"),
            ("InternationalSendingEnabled", "international_sending"),
            ("DeletionProtectionEnabled", "deletion_protection"),
        ):
            if body.get(member) is not None:
                setattr(number, attribute, bool(body[member]))
        return {key: value for key, value in number.to_json().items() if key != "PoolId"}

    def release(self, body: dict[str, Any]) -> dict[str, Any]:
        """``ReleasePhoneNumber``: not while protected from deletion or in a pool."""
        MODEL.validate("ReleasePhoneNumber", body)
        number = self.get(body["PhoneNumberId"])
        if number.deletion_protection:
            raise ConflictException(
                "DELETION_PROTECTION_ENABLED",
                KIND,
                number.phone_number_id,
                "The phone number has deletion protection enabled",
            )
        if number.pool_id is not None:
            raise ConflictException(
                "PHONE_NUMBER_ASSOCIATED_TO_POOL",
                KIND,
                number.phone_number_id,
                f"The phone number is in pool {number.pool_id}; disassociate it first",
            )
        del self.numbers[number.phone_number_id]
        released = number.to_json()
        for member in ("InternationalSendingEnabled", "DeletionProtectionEnabled", "PoolId"):
            released.pop(member, None)
        return {**released, "Status": "DELETED"}

    def adopt(
        self,
        identity: str,
        *,
        phone_number: str | None = None,
        iso_country_code: str | None = None,
        capabilities: Iterable[str] = ("SMS", "VOICE"),
        message_type: str = "TRANSACTIONAL",
        number_type: str = "LONG_CODE",
    ) -> PhoneNumber:
        """Hold a number made elsewhere (see ``VoiceMock.adopt_phone_number``)."""
        phone_number_id, phone_number = self._identity(identity, phone_number)
        held = self.numbers.get(phone_number_id)
        if phone_number is None and held is not None:
            phone_number = held.phone_number
        iso_country_code = _country(phone_number, iso_country_code)
        wanted = list(dict.fromkeys(capabilities))
        for name, value, allowed in (
            ("capabilities", wanted, CAPABILITIES),
            ("message_type", [message_type], MESSAGE_TYPES),
            ("number_type", [number_type], NUMBER_TYPES),
        ):
            unknown = [item for item in value if item not in allowed]
            if unknown or not value:
                raise AdoptionError(name, f"must be among {list(allowed)}, got {value!r}")
        if phone_number is None:
            if iso_country_code not in _AREAS:
                raise AdoptionError(
                    "phone_number", f"is required for a number of {iso_country_code}"
                )
            phone_number = self._free_number(iso_country_code)
        attributes = {
            "phone_number": phone_number,
            "iso_country_code": iso_country_code,
            "message_type": message_type,
            "capabilities": wanted,
            "number_type": number_type,
        }
        if held is not None:
            differ = [k for k, v in attributes.items() if getattr(held, k) != v]
            if differ:
                raise AdoptionError(
                    differ[0], f"{phone_number_id} is held already, with another {differ[0]}"
                )
            return held
        if self.find(phone_number) is not None:
            raise AdoptionError("phone_number", "is held already, by another phone number id")
        return self._add(phone_number_id=phone_number_id, **attributes)

    def _identity(self, identity: str, phone_number: str | None) -> tuple[str, str | None]:
        """The id and (when known) the number a declared identity names."""
        if phone_number is not None and not E164.fullmatch(phone_number):
            raise AdoptionError("phone_number", "must be in E.164 form (+ and 2 to 15 digits)")
        if identity.startswith("+"):
            if not E164.fullmatch(identity):
                raise AdoptionError("identity", "must be in E.164 form (+ and 2 to 15 digits)")
            if phone_number is not None and phone_number != identity:
                raise AdoptionError("phone_number", "differs from the number given as identity")
            held = self.find(identity)
            return (held.phone_number_id if held else new_id(ID_PREFIX)), identity
        local = self.where.local_id(identity, KIND)
        if local is None or not is_id(local, ID_PREFIX):
            raise AdoptionError(
                "identity",
                f"must be a phone number id (phone- and 32 letters or digits), its ARN in "
                f"account {self.where.account_id} and region {self.where.region}, or the "
                "number in E.164 form",
            )
        return local, phone_number

    def _add(self, phone_number_id: str | None = None, **attributes: Any) -> PhoneNumber:
        phone_number_id = phone_number_id or new_id(ID_PREFIX)
        number = PhoneNumber(
            phone_number_id=phone_number_id,
            arn=self.where.arn(KIND, phone_number_id),
            created=self.clock(),
            **attributes,
        )
        self.numbers[phone_number_id] = number
        return number

    def _free_number(self, country: str) -> str:
        held = {number.phone_number for number in self.numbers.values()}
        for area in _AREAS[country]:
            for line in range(100, 200):
                candidate = f"+1{area}5550{line}"
                if candidate not in held:
                    return candidate
        raise ServiceQuotaExceededException(
            "PHONE_NUMBERS_PER_ACCOUNT", f"The emulator has no more numbers of {country} to issue"
        )


def _country(phone_number: str | None, given: str | None) -> str:
    """A declared number's country: the one given (the number's, where the table knows it).

    Without one, the number's; for a number to make up, US.
    """
    if given is not None and (len(given) != 2 or not given.isupper() or not given.isascii()):
        raise AdoptionError(
            "iso_country_code", f"must be two capital letters (ISO 3166-1), got {given[:10]!r}"
        )
    known = country_of(phone_number) if phone_number is not None else None
    if given is not None and known is not None and given != known:
        raise AdoptionError("iso_country_code", f"is {given}, but the number is of {known}")
    if given is None and known is None and phone_number is not None:
        raise AdoptionError(
            "iso_country_code", "is required: the country of the number is not known"
        )
    return given or known or "US"
