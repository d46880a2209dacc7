"""The interfaces of a configuration set, below the modules that make, use and bind to one.

``configuration_set`` makes sets, ``event_destinations`` binds to them and the sender uses them;
each imports the interface from here, so none of them imports another for its type alone.
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
