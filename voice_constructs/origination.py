"""VoicePhoneNumber and VoicePool: the v2 origination identities a sender calls from.

AWS End User Messaging SMS and Voice v2's ``AWS::SMSVOICE::PhoneNumber`` and
``AWS::SMSVOICE::Pool``, each with importers for one that exists. A
``VoiceMessageSender(api=SmsVoiceApi.V2)`` takes any of them in ``origination_numbers``: IAM is
scoped to their ARNs, and pacing gives each as many calls a second as it holds numbers.

A phone number is billed monthly and hard to get back once released, so both are kept by default:
deletion protection on, and ``RemovalPolicy.RETAIN``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Arn, ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_smsvoice as smsvoice
from constructs import Construct

from voice_constructs._interfaces import IVoiceOriginationIdentity, IVoicePhoneNumber, IVoicePool
from voice_constructs._origination_props import (
    COUNTRY,
    KINDS,
    NumberCapability,
    PhoneNumberType,
    check_arn,
    check_count,
    check_id,
    check_shared,
    checked_capabilities,
    checked_numbers,
)
from voice_constructs._props import check_form

__all__ = [
    "DEFAULT_HELP_MESSAGE",
    "DEFAULT_STOP_MESSAGE",
    "IVoiceOriginationIdentity",
    "IVoicePhoneNumber",
    "IVoicePool",
    "NumberCapability",
    "PhoneNumberType",
    "VoicePhoneNumber",
    "VoicePool",
]

# The replies to the keywords HELP and STOP that CloudFormation requires of every number and
# pool (texts the number receives); a voice-only sender's recipients rarely send them.
DEFAULT_HELP_MESSAGE = (
    "This number places automated voice calls and does not read replies. Reply STOP to opt out."
)
DEFAULT_STOP_MESSAGE = "You are opted out and will receive no further messages from this number."


class VoicePhoneNumber(Construct):
    """A phone number the v2 API calls from (``AWS::SMSVOICE::PhoneNumber``), VOICE-capable.

    CloudFormation requests the number when the stack is created (it is billed monthly from
    then); some number types and countries need a registration before the number is active,
    which CloudFormation cannot attach. One that exists: ``from_phone_number_id`` or
    ``from_phone_number_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        iso_country_code: str,
        number_type: PhoneNumberType,
        capabilities: Sequence[NumberCapability] = (NumberCapability.VOICE,),
        opt_out_list_name: str | None = None,
        self_managed_opt_outs: bool = False,
        deletion_protection: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        help_message: str = DEFAULT_HELP_MESSAGE,
        stop_message: str = DEFAULT_STOP_MESSAGE,
    ) -> None:
        """Request a number.

        :param iso_country_code: The number's country, ISO 3166-1 alpha-2 (``US``).
        :param number_type: ``PhoneNumberType.LONG_CODE``, ``TOLL_FREE``, ``TEN_DLC`` or
            ``SIMULATOR``.
        :param capabilities: What the number is used for; VOICE must be one (a sender calls
            from it). :default: (NumberCapability.VOICE,)
        :param opt_out_list_name: The opt-out list of the number, by name or ARN.
            :default: - the account's default list
        :param self_managed_opt_outs: Whether you answer HELP and STOP and keep opt-outs
            yourself instead of the service. :default: False
        :param deletion_protection: Whether the service refuses to release the number.
            :default: True
        :param removal_policy: What ``cdk destroy`` does with the number. ``DESTROY`` needs
            ``deletion_protection=False``. :default: RemovalPolicy.RETAIN (a released number
            cannot be had again)
        :param help_message: The reply to a text saying HELP (1-1,600 characters).
            :default: DEFAULT_HELP_MESSAGE
        :param stop_message: The reply to a text saying STOP (1-1,600 characters).
            :default: DEFAULT_STOP_MESSAGE
        """
        super().__init__(scope, id)
        check_form(
            "iso_country_code",
            iso_country_code,
            COUNTRY,
            "an ISO 3166-1 alpha-2 country code in capitals, such as US",
        )
        if not isinstance(number_type, PhoneNumberType):
            raise ValueError(
                f"number_type must be a PhoneNumberType "
                f"({', '.join(t.name for t in PhoneNumberType)}), got {number_type!r}"
            )
        self.capabilities = checked_capabilities(capabilities)
        check_shared(
            opt_out_list_name, removal_policy, deletion_protection, help_message, stop_message
        )
        self.iso_country_code = iso_country_code
        self.number_type = number_type
        resource = smsvoice.CfnPhoneNumber(
            self,
            "Resource",
            iso_country_code=iso_country_code,
            number_type=number_type.value,
            number_capabilities=[c.value for c in self.capabilities],
            mandatory_keywords=smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty(
                help=smsvoice.CfnPhoneNumber.MandatoryKeywordProperty(message=help_message),
                stop=smsvoice.CfnPhoneNumber.MandatoryKeywordProperty(message=stop_message),
            ),
            opt_out_list_name=opt_out_list_name,
            self_managed_opt_outs_enabled=self_managed_opt_outs,
            deletion_protection_enabled=deletion_protection,
        )
        resource.apply_removal_policy(removal_policy)
        self.resource = resource
        self.phone_number_id: str = resource.attr_phone_number_id
        self.phone_number_arn: str = resource.attr_arn
        #: The number itself, E.164, once CloudFormation has requested it.
        self.phone_number: str = resource.attr_phone_number
        self.origination_identity = self.phone_number_id
        self.origination_identity_arn = self.phone_number_arn
        self.phone_number_count = 1

    @staticmethod
    def from_phone_number_id(scope: Construct, id: str, phone_number_id: str) -> IVoicePhoneNumber:
        """A number that exists, by id (``phone-`` and 32 letters or digits), in this account.

        Its ARN is formed in ``scope``'s stack's account and region, for the sender's IAM.
        """
        check_id("phone_number_id", phone_number_id, "phone")
        return _ImportedPhoneNumber(
            scope, id, phone_number_id, _arn(scope, "phone", phone_number_id), phone_number_id
        )

    @staticmethod
    def from_phone_number_arn(
        scope: Construct, id: str, phone_number_arn: str
    ) -> IVoicePhoneNumber:
        """A number that exists, by ARN (one shared from another account is named by its ARN).

        :param phone_number_arn:
            ``arn:aws:sms-voice:<region>:<account>:phone-number/phone-<32 letters or digits>``.
        """
        check_arn("phone_number_arn", phone_number_arn, "phone")
        return _ImportedPhoneNumber(
            scope, id, _resource_name(phone_number_arn), phone_number_arn, phone_number_arn
        )


class VoicePool(Construct):
    """A pool of phone numbers the v2 API calls from (``AWS::SMSVOICE::Pool``).

    The service places each call from one of the pool's numbers; pacing gives the pool one call
    a second per number (``phone_number_count``). One that exists: ``from_pool_id`` or
    ``from_pool_arn``, saying how many numbers it holds.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        phone_numbers: Sequence[IVoicePhoneNumber],
        opt_out_list_name: str | None = None,
        self_managed_opt_outs: bool = False,
        deletion_protection: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        help_message: str = DEFAULT_HELP_MESSAGE,
        stop_message: str = DEFAULT_STOP_MESSAGE,
    ) -> None:
        """Create a pool of the numbers given.

        :param phone_numbers: The pool's numbers (at least one): ``VoicePhoneNumber`` objects
            or imported ones. Each should be VOICE-capable.
        :param opt_out_list_name: The pool's opt-out list, by name or ARN.
            :default: - the account's default list
        :param self_managed_opt_outs: Whether you answer HELP and STOP and keep opt-outs
            yourself instead of the service. :default: False
        :param deletion_protection: Whether the service refuses to delete the pool.
            :default: True
        :param removal_policy: What ``cdk destroy`` does with the pool. ``DESTROY`` needs
            ``deletion_protection=False``. :default: RemovalPolicy.RETAIN
        :param help_message: The reply to a text saying HELP (1-1,600 characters).
            :default: DEFAULT_HELP_MESSAGE
        :param stop_message: The reply to a text saying STOP (1-1,600 characters).
            :default: DEFAULT_STOP_MESSAGE
        """
        super().__init__(scope, id)
        self.phone_numbers = checked_numbers(phone_numbers)
        check_shared(
            opt_out_list_name, removal_policy, deletion_protection, help_message, stop_message
        )
        resource = smsvoice.CfnPool(
            self,
            "Resource",
            # CloudFormation takes the pool's numbers by ARN only.
            origination_identities=[number.phone_number_arn for number in self.phone_numbers],
            mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
                help=smsvoice.CfnPool.MandatoryKeywordProperty(message=help_message),
                stop=smsvoice.CfnPool.MandatoryKeywordProperty(message=stop_message),
            ),
            opt_out_list_name=opt_out_list_name,
            self_managed_opt_outs_enabled=self_managed_opt_outs,
            deletion_protection_enabled=deletion_protection,
        )
        resource.apply_removal_policy(removal_policy)
        self.resource = resource
        self.pool_id: str = resource.attr_pool_id
        self.pool_arn: str = resource.attr_arn
        self.origination_identity = self.pool_id
        self.origination_identity_arn = self.pool_arn
        self.phone_number_count = len(self.phone_numbers)

    @staticmethod
    def from_pool_id(
        scope: Construct, id: str, pool_id: str, *, phone_number_count: int = 1
    ) -> IVoicePool:
        """A pool that exists, by id (``pool-`` and 32 letters or digits), in this account.

        :param phone_number_count: How many numbers the pool holds: pacing gives it one call a
            second per number, so a count above the real one gets calls throttled, and one
            below paces slower than it could. :default: 1
        """
        check_id("pool_id", pool_id, "pool")
        check_count(phone_number_count)
        return _ImportedPool(
            scope, id, pool_id, _arn(scope, "pool", pool_id), pool_id, phone_number_count
        )

    @staticmethod
    def from_pool_arn(
        scope: Construct, id: str, pool_arn: str, *, phone_number_count: int = 1
    ) -> IVoicePool:
        """A pool that exists, by ARN (one shared from another account is named by its ARN).

        :param pool_arn: ``arn:aws:sms-voice:<region>:<account>:pool/pool-<32 letters or digits>``.
        :param phone_number_count: How many numbers the pool holds (as ``from_pool_id``).
            :default: 1
        """
        check_arn("pool_arn", pool_arn, "pool")
        check_count(phone_number_count)
        return _ImportedPool(
            scope, id, _resource_name(pool_arn), pool_arn, pool_arn, phone_number_count
        )


class _ImportedPhoneNumber(Construct):
    """A phone number this app does not manage: its id, ARN and how the sender names it."""

    def __init__(self, scope: Construct, id: str, number_id: str, arn: str, named: str) -> None:
        super().__init__(scope, id)
        self.phone_number_id = number_id
        self.phone_number_arn = arn
        self.origination_identity = named
        self.origination_identity_arn = arn
        self.phone_number_count = 1


class _ImportedPool(Construct):
    """A pool this app does not manage: its id, ARN, how the sender names it, its numbers."""

    def __init__(
        self, scope: Construct, id: str, pool_id: str, arn: str, named: str, count: int
    ) -> None:
        super().__init__(scope, id)
        self.pool_id = pool_id
        self.pool_arn = arn
        self.origination_identity = named
        self.origination_identity_arn = arn
        self.phone_number_count = count


def _arn(scope: Construct, kind: str, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="sms-voice", resource=KINDS[kind][0], resource_name=name
    )


def _resource_name(arn: str) -> str:
    name = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
    assert name is not None
    return name
