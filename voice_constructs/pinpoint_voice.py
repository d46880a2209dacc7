"""PinpointVoice: a Pinpoint application (created or adopted) with its voice channel enabled."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Names, RemovalPolicy
from aws_cdk import aws_pinpoint as pinpoint
from constructs import Construct

from voice_constructs._sender_origination import OriginationIdentity
from voice_constructs.api import SmsVoiceApi
from voice_constructs.call_status import CallEventSource, CallStatusTracker
from voice_constructs.configuration_set import IVoiceConfigurationSet, VoiceConfigurationSet
from voice_constructs.sender import DEFAULT_CALLS_PER_MINUTE, SenderOptions, VoiceMessageSender
from voice_constructs.voice_channel import VoiceChannel, validate_application_id


class PinpointVoice(Construct):
    """Creates a Pinpoint application, or adopts an existing one, and enables its voice channel.

    Amazon Pinpoint's engagement features reached end of support on 2026-10-30; the voice APIs
    this construct uses continue under AWS End User Messaging. cfn-lint reports W3696 on the
    ``AWS::Pinpoint::App`` this construct creates; see the README.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        application_name: str | None = None,
        application_id: str | None = None,
        removal_policy: RemovalPolicy | None = None,
        origination_number: str | None = None,
        origination_numbers: Sequence[OriginationIdentity] | None = None,
        caller_id: str | None = None,
        allowed_countries: Sequence[str] | None = None,
        default_voice_id: str | None = None,
        enable_queue: bool = False,
        max_calls_per_minute: int | None = None,
        max_calls_per_day: int | None = None,
        configuration_set: IVoiceConfigurationSet | None = None,
        track_call_status: bool = False,
        call_event_source: CallEventSource | None = None,
        application: bool = True,
        api: SmsVoiceApi = SmsVoiceApi.V1,
        tracing: bool = True,
        sender_options: SenderOptions | None = None,
    ) -> None:
        """Create or adopt the application and enable its voice channel.

        :param application_name: Name of the application to create.
            :default: - a name unique to this construct's path
        :param application_id: Id of an existing application to adopt instead of creating one.
            :default: - a new application is created
        :param removal_policy: Applied to the created application and to the voice channel.
            :default: - both are deleted with the stack (an adopted application is never deleted)
        :param origination_number: The long code to call from (E.164); adds ``sender``.
            :default: - no sender, unless ``origination_numbers`` is given
        :param origination_numbers: Several numbers to call from (with v2, phone numbers and
            pools: ``VoicePhoneNumber``, ``VoicePool`` or ids); adds ``sender``, which paces
            each number at one call a second and hands each message the number that can call
            soonest (a quota above 40 calls a minute needs more than one).
            :default: - ``[origination_number]``
        :param caller_id: Number shown to recipients. :default: - the service's choice
        :param allowed_countries: The countries the sender may call, ISO 3166-1 alpha-2
            (``["US", "CA"]``): ``VoiceMessageSender``'s. :default: - with v1, the origination
            numbers' countries; with v2, required
        :param default_voice_id: Amazon Polly voice of the sender. :default: - the service's
        :param enable_queue: Give the sender its bulk queue (``sender.queue``). :default: False
        :param max_calls_per_minute: The sender's pacing, the account's voice quota.
            :default: 20
        :param max_calls_per_day: The sender's cap on calls per UTC day, across all its
            invocations (its spend guard; ``sender_options`` holds its alarm). :default: - no cap
        :param configuration_set: The configuration set the sender uses by default: a
            ``VoiceConfigurationSet``, or an existing one (``VoiceConfigurationSet
            .from_configuration_set_name``), which ``track_call_status`` cannot add to through
            a configuration set. :default: - one is created when ``track_call_status`` follows
            calls through a configuration set, else none
        :param track_call_status: Add ``call_status``, a ``CallStatusTracker``. :default: False
        :param call_event_source: How ``call_status`` gets the call events: an SNS destination
            of the configuration set (``CallEventSource.CONFIGURATION_SET``), or an EventBridge
            rule on the default bus (``CallEventSource.EVENTBRIDGE``, v2 only: it sees every v2
            voice event of the account and region and needs no configuration set). Only with
            ``track_call_status``. :default: - ``EVENTBRIDGE`` with ``api=SmsVoiceApi.V2``,
            ``CONFIGURATION_SET`` with ``SmsVoiceApi.V1``
        :param application: False leaves Pinpoint out entirely: no application, no voice
            channel, no ``AWS::Pinpoint::*`` resource (for accounts that never had Pinpoint, with
            ``api=SmsVoiceApi.V2``). :default: True
        :param api: The API the sender and the configuration set use. :default: SmsVoiceApi.V1
        :param tracing: X-Ray tracing of the sender and the tracker. :default: True
        :param sender_options: Every other option of the sender (``SenderOptions``: its timeout,
            memory, queue sizing, retention, ...). :default: - the sender's defaults
        """
        super().__init__(scope, id)
        if application_name is not None and application_id is not None:
            raise ValueError(
                "application_name and application_id are mutually exclusive: give "
                f"application_id={application_id!r} to adopt an existing application, or "
                f"application_name={application_name!r} to create one, not both"
            )
        self.application: pinpoint.CfnApp | None = None
        self.application_id: str | None = None
        self.channel: VoiceChannel | None = None
        if application:
            self._add_application(application_name, application_id, removal_policy)
        elif application_id is not None or application_name is not None:
            raise ValueError(
                "application_name and application_id name a Pinpoint application, and "
                "application=False leaves Pinpoint out; give one or the other"
            )
        self.call_status: CallStatusTracker | None = None
        self.configuration_set = configuration_set
        if track_call_status:
            self._track_call_status(configuration_set, api, tracing, call_event_source)
        elif call_event_source is not None:
            raise ValueError(
                "call_event_source chooses how track_call_status follows calls; got "
                f"call_event_source={call_event_source} with track_call_status=False"
            )
        self.sender: VoiceMessageSender | None = None
        options = sender_options.given() if sender_options is not None else {}
        if origination_numbers is not None:
            if "origination_numbers" in options:
                raise ValueError(
                    "origination_numbers is given twice: as a prop and in sender_options; "
                    "give it once"
                )
            options["origination_numbers"] = tuple(origination_numbers)
        if origination_number is not None or origination_numbers is not None:
            self.sender = VoiceMessageSender(
                self,
                "Sender",
                origination_number=origination_number,
                caller_id=caller_id,
                allowed_countries=allowed_countries,
                default_voice_id=default_voice_id,
                enable_queue=enable_queue,
                configuration_set=self.configuration_set,
                api=api,
                tracing=tracing,
                max_calls_per_minute=(
                    DEFAULT_CALLS_PER_MINUTE
                    if max_calls_per_minute is None
                    else max_calls_per_minute
                ),
                max_calls_per_day=max_calls_per_day,
                **options,
            )
        elif (
            caller_id is not None
            or allowed_countries is not None
            or default_voice_id is not None
            or enable_queue
            or max_calls_per_minute is not None
            or max_calls_per_day is not None
            or sender_options is not None
        ):
            raise ValueError(
                "caller_id, allowed_countries, default_voice_id, enable_queue, "
                "max_calls_per_minute, max_calls_per_day and sender_options configure the "
                "sender, which needs "
                "origination_number or origination_numbers; got neither"
            )

    def _track_call_status(
        self,
        configuration_set: IVoiceConfigurationSet | None,
        api: SmsVoiceApi,
        tracing: bool,
        event_source: CallEventSource | None,
    ) -> None:
        """Add ``call_status``, fed by EventBridge or by an SNS destination.

        The destination goes on ``configuration_set``, or on a set of this construct's.
        """
        if event_source is None:
            event_source = (
                CallEventSource.EVENTBRIDGE
                if api is SmsVoiceApi.V2
                else CallEventSource.CONFIGURATION_SET
            )
        if event_source is CallEventSource.EVENTBRIDGE:
            if api is not SmsVoiceApi.V2:
                raise ValueError(
                    "call_event_source=CallEventSource.EVENTBRIDGE needs api=SmsVoiceApi.V2, got "
                    f"api={api}: AWS documents the EventBridge voice events for End User "
                    "Messaging SMS and Voice v2 only, not for messages sent with the v1 API; "
                    "use CallEventSource.CONFIGURATION_SET (the default with v1)"
                )
            self.call_status = CallStatusTracker(
                self, "CallStatus", event_source=event_source, tracing=tracing
            )
            return
        if configuration_set is not None and not isinstance(
            configuration_set, VoiceConfigurationSet
        ):
            raise ValueError(
                "track_call_status adds an event destination to configuration_set, which an "
                f"imported set ({configuration_set.node.path}) cannot take: add a "
                "CallStatusTracker's destination where that set is defined, or give a "
                "VoiceConfigurationSet"
            )
        self.call_status = CallStatusTracker(self, "CallStatus", tracing=tracing)
        if configuration_set is None:
            configuration_set = VoiceConfigurationSet(self, "ConfigurationSet", api=api)
            self.configuration_set = configuration_set
        configuration_set.add_destination(self.call_status.destination)

    def _add_application(
        self,
        application_name: str | None,
        application_id: str | None,
        removal_policy: RemovalPolicy | None,
    ) -> None:
        """Adopt ``application_id`` or create an application, and enable its voice channel."""
        if application_id is not None:
            validate_application_id("application_id", application_id)
            self.application_id = application_id
        else:
            name = application_name or Names.unique_resource_name(self, max_length=64)
            if not name.strip():
                raise ValueError(f"application_name must not be blank, got {application_name!r}")
            self.application = pinpoint.CfnApp(self, "Application", name=name)
            if removal_policy is not None:
                self.application.apply_removal_policy(removal_policy)
            self.application_id = self.application.ref
        self.channel = VoiceChannel(
            self,
            "VoiceChannel",
            application_id=self.application_id,
            removal_policy=removal_policy,
        )
