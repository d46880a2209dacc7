"""v2's pools of origination numbers, and the pools a test declares.

``CreatePool``, ``DescribePools``, ``DeletePool``, ``AssociateOriginationIdentity``,
``DisassociateOriginationIdentity``, ``ListPoolOriginationIdentities``.

A pool holds phone numbers (sender ids are not modelled: one named is not found). A number is
in one pool at most; a pool keeps at least one (the last cannot be disassociated); a number
joins only a pool of its message type. A call from a pool is placed by one of its numbers that
can place calls, one of the destination's country first when it has one, in turn
(:meth:`Pools.caller`). Shared routes, two-way and opt-out settings are not modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from voice_constructs.testing.sms_voice_v2.common import (
    MODEL,
    AdoptionError,
    Where,
    described,
    flag,
    is_id,
    matches,
    new_id,
    page,
    tags,
)
from voice_constructs.testing.sms_voice_v2.exceptions import (
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from voice_constructs.testing.sms_voice_v2.phone_numbers import (
    DEFAULT_OPT_OUT_LIST,
    PhoneNumber,
    PhoneNumbers,
)
from voice_constructs.testing.sms_voice_v2.phone_numbers import ID_PREFIX as PHONE_PREFIX
from voice_constructs.testing.sms_voice_v2.phone_numbers import KIND as PHONE_KIND

KIND = "pool"
ID_PREFIX = "pool"


@dataclass
class Pool:
    """One pool: its numbers' ids in the order they joined, and whose turn it is to call."""

    pool_id: str
    arn: str
    message_type: str
    created: float
    deletion_protection: bool = False
    numbers: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    turn: int = 0

    def to_json(self) -> dict[str, Any]:
        """The pool as ``PoolInformation`` (``DescribePools``)."""
        return {
            "PoolArn": self.arn,
            "PoolId": self.pool_id,
            "Status": "ACTIVE",
            "MessageType": self.message_type,
            "TwoWayEnabled": False,
            "SelfManagedOptOutsEnabled": False,
            "OptOutListName": DEFAULT_OPT_OUT_LIST,
            "SharedRoutesEnabled": False,
            "DeletionProtectionEnabled": self.deletion_protection,
            "CreatedTimestamp": self.created,
        }

    def values_of(self, name: str) -> list[str]:
        """The pool's values for a ``PoolFilter`` name."""
        by_name = {
            "status": ["ACTIVE"],
            "message-type": [self.message_type],
            "two-way-enabled": [flag(False)],
            "self-managed-opt-outs-enabled": [flag(False)],
            "opt-out-list-name": [DEFAULT_OPT_OUT_LIST],
            "shared-routes-enabled": [flag(False)],
            "deletion-protection-enabled": [flag(self.deletion_protection)],
        }
        return by_name.get(name, [])


class Pools:
    """The pools of one account and region, over its phone numbers."""

    def __init__(self, where: Where, clock: Callable[[], float], numbers: PhoneNumbers) -> None:
        self.where = where
        self.clock = clock
        self.numbers = numbers
        self.pools: dict[str, Pool] = {}

    def find(self, identity: str) -> Pool | None:
        """The pool ``identity`` names (its id or ARN), or None."""
        local = self.where.local_id(identity, KIND)
        return self.pools.get(local) if local is not None else None

    def get(self, identity: str) -> Pool:
        """The pool ``identity`` names, or ``ResourceNotFoundException`` (``pool``)."""
        pool = self.find(identity)
        if pool is None:
            raise ResourceNotFoundException(KIND, identity)
        return pool

    def members(self, pool: Pool) -> list[PhoneNumber]:
        """The pool's numbers, in the order they joined."""
        return [self.numbers.numbers[number_id] for number_id in pool.numbers]

    def caller(self, pool: Pool, country: str | None) -> PhoneNumber | None:
        """The number that places the pool's next call to ``country`` (None: none can call).

        Its numbers that can place calls take turns; those of the destination's country, when
        the pool has any, before the others.
        """
        voice = [number for number in self.members(pool) if number.voice]
        local = [number for number in voice if number.iso_country_code == country]
        choices = local or voice
        if not choices:
            return None
        pool.turn += 1
        return choices[(pool.turn - 1) % len(choices)]

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """``CreatePool``: a pool of one origination identity, of that identity's type."""
        MODEL.validate("CreatePool", body)
        number = self._origination(body["OriginationIdentity"])
        self._check_joins(number, body["MessageType"], body.get("IsoCountryCode"))
        pool = self._add(new_id(ID_PREFIX), body["MessageType"])
        pool.deletion_protection = bool(body.get("DeletionProtectionEnabled", False))
        pool.tags = tags(body)
        self._join(pool, number)
        return {**pool.to_json(), "Tags": pool.tags}

    def describe(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DescribePools``: by id or ARN (each must exist), filtered, one page."""
        MODEL.validate("DescribePools", body)
        return described(body, "PoolIds", self.get, self.pools.values(), "Pools", owned=True)

    def delete(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DeletePool``: not while protected; its numbers leave it and stay in the account."""
        MODEL.validate("DeletePool", body)
        pool = self.get(body["PoolId"])
        if pool.deletion_protection:
            raise ConflictException(
                "DELETION_PROTECTION_ENABLED",
                KIND,
                pool.pool_id,
                "The pool has deletion protection enabled",
            )
        for number in self.members(pool):
            number.pool_id = None
        del self.pools[pool.pool_id]
        deleted = pool.to_json()
        deleted.pop("DeletionProtectionEnabled")
        return {**deleted, "Status": "DELETING"}

    def associate(self, body: dict[str, Any]) -> dict[str, Any]:
        """``AssociateOriginationIdentity``: a number joins the pool."""
        MODEL.validate("AssociateOriginationIdentity", body)
        pool = self.get(body["PoolId"])
        number = self._origination(body["OriginationIdentity"])
        self._check_joins(number, pool.message_type, body.get("IsoCountryCode"))
        self._join(pool, number)
        return self._association(pool, number)

    def disassociate(self, body: dict[str, Any]) -> dict[str, Any]:
        """``DisassociateOriginationIdentity``: a number leaves the pool (never its last)."""
        MODEL.validate("DisassociateOriginationIdentity", body)
        pool = self.get(body["PoolId"])
        number = self._origination(body["OriginationIdentity"])
        if number.pool_id != pool.pool_id:
            raise ConflictException(
                "PHONE_NUMBER_NOT_ASSOCIATED_TO_POOL",
                PHONE_KIND,
                number.phone_number_id,
                f"The phone number is not in pool {pool.pool_id}",
            )
        self._check_country(number, body.get("IsoCountryCode"))
        if len(pool.numbers) == 1:
            raise ConflictException(
                "LAST_PHONE_NUMBER",
                KIND,
                pool.pool_id,
                "The phone number is the pool's last origination identity; delete the pool",
            )
        pool.numbers.remove(number.phone_number_id)
        number.pool_id = None
        return self._association(pool, number)

    def list_identities(self, body: dict[str, Any]) -> dict[str, Any]:
        """``ListPoolOriginationIdentities``: the pool's numbers, filtered, one page."""
        MODEL.validate("ListPoolOriginationIdentities", body)
        pool = self.get(body["PoolId"])

        def values_of(number: PhoneNumber) -> Callable[[str], list[str]]:
            by_name = {
                "iso-country-code": [number.iso_country_code],
                "number-capability": list(number.capabilities),
            }
            return lambda name: by_name.get(name, [])

        kept = [n for n in self.members(pool) if matches(body.get("Filters"), values_of(n))]
        listed, token = page(kept, body)
        identities = [
            {
                "OriginationIdentityArn": number.arn,
                "OriginationIdentity": number.phone_number_id,
                "IsoCountryCode": number.iso_country_code,
                "NumberCapabilities": list(number.capabilities),
                "PhoneNumber": number.phone_number,
            }
            for number in listed
        ]
        return {
            "PoolArn": pool.arn,
            "PoolId": pool.pool_id,
            "OriginationIdentities": identities,
            **token,
        }

    def adopt(
        self,
        identity: str,
        *,
        phone_numbers: Iterable[str] = (),
        message_type: str = "TRANSACTIONAL",
        iso_country_code: str | None = None,
    ) -> Pool:
        """Hold a pool made elsewhere (see ``VoiceMock.adopt_pool``)."""
        local = self.where.local_id(identity, KIND)
        if local is None or not is_id(local, ID_PREFIX):
            raise AdoptionError(
                "identity",
                f"must be a pool id (pool- and 32 letters or digits) or its ARN in account "
                f"{self.where.account_id} and region {self.where.region}",
            )
        pool = self.pools.get(local)
        if pool is not None and pool.message_type != message_type:
            raise AdoptionError("message_type", f"{local} is held already, with another one")
        given = list(dict.fromkeys(phone_numbers))
        if not given and (pool is None or not pool.numbers):
            # A pool made elsewhere holds numbers; one that can call stands for them.
            given = [
                self.numbers.adopt(
                    new_id(PHONE_PREFIX),
                    iso_country_code=iso_country_code,
                    message_type=message_type,
                ).phone_number_id
            ]
        members = [
            self._adopted_member(entry, message_type, iso_country_code, local) for entry in given
        ]
        if pool is None:
            pool = self._add(local, message_type)
        for number in members:
            if number.pool_id is None:
                self._join(pool, number)
        return pool

    def _adopted_member(
        self, entry: str, message_type: str, country: str | None, pool_id: str
    ) -> PhoneNumber:
        if entry.startswith("+"):
            number = self.numbers.find(entry) or self.numbers.adopt(
                entry, message_type=message_type, iso_country_code=country
            )
        else:
            found = self.numbers.find(entry)
            if found is None:
                raise AdoptionError(
                    "phone_numbers",
                    f"{entry[:80]!r} is no phone number of this account and region: adopt it "
                    "first, or give the number in E.164 form",
                )
            number = found
        if number.pool_id not in (None, pool_id):
            raise AdoptionError("phone_numbers", f"a number is in pool {number.pool_id} already")
        if number.message_type != message_type:
            raise AdoptionError("phone_numbers", f"a number is not {message_type}")
        return number

    def _origination(self, identity: str) -> PhoneNumber:
        """The phone number an origination identity names (a sender id is not modelled)."""
        number = self.numbers.find(identity)
        if number is not None:
            return number
        local = self.where.local_id(identity, PHONE_KIND)
        phone_like = local is not None and local.startswith(f"{PHONE_PREFIX}-")
        raise ResourceNotFoundException(PHONE_KIND if phone_like else "sender-id", identity)

    def _check_joins(self, number: PhoneNumber, message_type: str, country: str | None) -> None:
        if number.pool_id is not None:
            raise ConflictException(
                "PHONE_NUMBER_ASSOCIATED_TO_POOL",
                PHONE_KIND,
                number.phone_number_id,
                f"The phone number is in pool {number.pool_id} already",
            )
        self._check_country(number, country)
        if number.message_type != message_type:
            raise ConflictException(
                "MESSAGE_TYPE_MISMATCH",
                PHONE_KIND,
                number.phone_number_id,
                f"The phone number is {number.message_type}, the pool {message_type}",
            )

    @staticmethod
    def _check_country(number: PhoneNumber, country: str | None) -> None:
        if country is not None and country != number.iso_country_code:
            raise ValidationException(
                "IsoCountryCode",
                f"the origination identity is of {number.iso_country_code}, not {country}",
                "COUNTRY_CODE_MISMATCH",
            )

    def _add(self, pool_id: str, message_type: str) -> Pool:
        pool = Pool(pool_id, self.where.arn(KIND, pool_id), message_type, self.clock())
        self.pools[pool_id] = pool
        return pool

    @staticmethod
    def _join(pool: Pool, number: PhoneNumber) -> None:
        pool.numbers.append(number.phone_number_id)
        number.pool_id = pool.pool_id

    @staticmethod
    def _association(pool: Pool, number: PhoneNumber) -> dict[str, Any]:
        return {
            "PoolArn": pool.arn,
            "PoolId": pool.pool_id,
            "OriginationIdentityArn": number.arn,
            "OriginationIdentity": number.phone_number_id,
            "IsoCountryCode": number.iso_country_code,
        }
