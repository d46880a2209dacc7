"""Which SMS and Voice API the constructs use."""

from __future__ import annotations

import enum

# The v2 API's voices: botocore's pinpoint-sms-voice-v2 model, VoiceId (a test keeps the
# handler's copy in lambda_src and this one equal to it).
V2_VOICE_IDS = frozenset(
    [
        "AMY",
        "ASTRID",
        "BIANCA",
        "BRIAN",
        "CAMILA",
        "CARLA",
        "CARMEN",
        "CELINE",
        "CHANTAL",
        "CONCHITA",
        "CRISTIANO",
        "DORA",
        "EMMA",
        "ENRIQUE",
        "EWA",
        "FILIZ",
        "GERAINT",
        "GIORGIO",
        "GWYNETH",
        "HANS",
        "INES",
        "IVY",
        "JACEK",
        "JAN",
        "JOANNA",
        "JOEY",
        "JUSTIN",
        "KARL",
        "KENDRA",
        "KIMBERLY",
        "LEA",
        "LIV",
        "LOTTE",
        "LUCIA",
        "LUPE",
        "MADS",
        "MAJA",
        "MARLENE",
        "MATHIEU",
        "MATTHEW",
        "MAXIM",
        "MIA",
        "MIGUEL",
        "MIZUKI",
        "NAJA",
        "NICOLE",
        "PENELOPE",
        "RAVEENA",
        "RICARDO",
        "RUBEN",
        "RUSSELL",
        "SALLI",
        "SEOYEON",
        "TAKUMI",
        "TATYANA",
        "VICKI",
        "VITORIA",
        "ZEINA",
        "ZHIYU",
    ]
)


class SmsVoiceApi(enum.Enum):
    """The API that sends voice messages.

    ``V1`` is the Pinpoint SMS and Voice API (``pinpoint-sms-voice``), where the product started.
    ``V2`` is AWS End User Messaging SMS and Voice (``pinpoint-sms-voice-v2``): IAM scoped to
    phone number, pool and configuration set ARNs, native CloudFormation resources, ``DryRun``,
    ``TimeToLive`` and the other v2 options. See the README's migration section.
    """

    V1 = "v1"
    V2 = "v2"
