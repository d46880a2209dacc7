"""The interfaces the construct modules share, below the modules that make, use and bind to them.

``configuration_set`` makes sets, ``event_destinations`` binds to them and the sender uses them;
``origination`` makes phone numbers and pools, which the sender calls from. Each imports the
interface from here, so none of them imports another for its type alone.
"""

from __future__ import annotations

from typing import Protocol

from aws_cdk import aws_iam as iam
from constructs import IConstruct

from voice_constructs.api import SmsVoiceApi


class IVoiceConfigurationSet(IConstruct, Protocol):
    """A configuration set a sender can use, of this app or an existing one.

    One of this app is a ``VoiceConfigurationSet``; an existing one comes from
    ``VoiceConfigurationSet.from_configuration_set_name`` (or ``..._arn``).

    A typing Protocol, not a base class: ``VoiceConfigurationSet`` is a jsii construct, whose
    metaclass admits no abstract base. Any construct with these attributes is one.
    """

    @property
    def configuration_set_name(self) -> str:
        """The set's name.

        For a set of this app, a reference to its resource, so that whoever uses the name (a
        sender's environment) is created after the set.
        """
        ...

    @property
    def configuration_set_arn(self) -> str | None:
        """The set's ARN (v2); None for a v1 set, which has none."""
        ...

    @property
    def api(self) -> SmsVoiceApi:
        """The API the set belongs to; a sender must use the same."""
        ...


class IManagedConfigurationSet(IVoiceConfigurationSet, Protocol):
    """A configuration set of this app, which event destinations are bound to.

    A ``VoiceConfigurationSet`` is one; ``EventDestination.bind`` receives it.
    """

    @property
    def delivery_role(self) -> iam.IRole:
        """The role the service assumes to deliver to log groups and Firehose streams."""
        ...


class IVoiceOriginationIdentity(IConstruct, Protocol):
    """A v2 origination identity a sender calls from: a phone number or a pool.

    One of this app is a ``VoicePhoneNumber`` or a ``VoicePool``; an existing one comes from
    their ``from_…`` importers. A typing Protocol, as ``IVoiceConfigurationSet`` is.
    """

    @property
    def origination_identity(self) -> str:
        """How ``SendVoiceMessage`` names it: its id, or for one imported by ARN, its ARN.

        A shared identity (of another account) must be named by its ARN.
        """
        ...

    @property
    def origination_identity_arn(self) -> str:
        """Its ARN, which the sender's IAM names."""
        ...

    @property
    def phone_number_count(self) -> int:
        """How many phone numbers it holds (1 for a number).

        Pacing gives it that many calls a second.
        """
        ...


class IVoicePhoneNumber(IVoiceOriginationIdentity, Protocol):
    """A v2 phone number: a ``VoicePhoneNumber``, or an existing one it imports."""

    @property
    def phone_number_id(self) -> str:
        """Its id (``phone-...``)."""
        ...

    @property
    def phone_number_arn(self) -> str:
        """Its ARN."""
        ...


class IVoicePool(IVoiceOriginationIdentity, Protocol):
    """A v2 pool of phone numbers: a ``VoicePool``, or an existing one it imports."""

    @property
    def pool_id(self) -> str:
        """Its id (``pool-...``)."""
        ...

    @property
    def pool_arn(self) -> str:
        """Its ARN."""
        ...
