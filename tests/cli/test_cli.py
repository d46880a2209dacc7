"""`voice-constructs` end to end: the sample stack in moto, the handlers run in-process."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.cli.conftest import STACK, World
from voice_constructs._contract import contract
from voice_constructs.cli import _exit

NUMBER = "+12065550142"
MASKED = "+1******0142"


def call(world: World, *extra: str) -> dict[str, Any]:
    status = world.run(
        "call", "--stack", STACK, "--to", NUMBER, "--text", "Hello.", "--json", *extra
    )
    assert status == _exit.OK, world.err.getvalue()
    result: dict[str, Any] = json.loads(world.out.getvalue())
    return result


def emit_one_event_per_sleep(events: tuple[str, ...], message_id: str) -> Any:
    pending = list(events)

    def on_sleep(world: World) -> None:
        if pending:
            emitted = world.stack.voice.emit_call_events(message_id, (pending.pop(0),))
            assert world.stack.deliver(emitted) == 1

    return on_sleep


# --- call ------------------------------------------------------------------------------------


def test_call_places_one_message_through_the_deployed_sender(world: World) -> None:
    result = call(world)
    sent = world.stack.voice.sent_messages()
    assert [m.message_id for m in sent] == [result["MessageId"]]
    assert sent[0].request["DestinationPhoneNumber"] == NUMBER
    assert sent[0].request["Content"] == {
        "PlainTextMessage": {"Text": "Hello.", "LanguageCode": "en-US"}
    }
    assert result["To"] == MASKED
    assert NUMBER not in world.out.getvalue()
    assert result["IdempotencyKey"].startswith("cli-")


def test_call_with_the_same_key_twice_places_one_call(world: World) -> None:
    first = call(world, "--idempotency-key", "order-42")
    second = call(world, "--idempotency-key", "order-42")
    assert first["MessageId"] == second["MessageId"]
    assert len(world.stack.voice.sent_messages()) == 1


def test_call_reads_ssml_from_a_file(world: World, tmp_path: Any) -> None:
    ssml = tmp_path / "message.xml"
    ssml.write_text("<speak>Your order <emphasis>has shipped</emphasis>.</speak>")
    status = world.run(
        "call", "--stack", STACK, "--to", NUMBER, "--ssml-file", str(ssml), "--voice", "Joanna"
    )
    assert status == _exit.OK, world.err.getvalue()
    (sent,) = world.stack.voice.sent_messages()
    assert sent.request["Content"]["SSMLMessage"]["VoiceId"] == "Joanna"
    assert "status" in world.err.getvalue()
    assert "--follow" in world.err.getvalue()


def test_fails_a_bad_number_naming_the_option_and_places_no_call(world: World) -> None:
    status = world.run("call", "--stack", STACK, "--to", "12065550142", "--text", "Hello.")
    assert status == _exit.USAGE
    error = world.err.getvalue()
    assert "argument --to: must be a phone number in E.164 form" in error
    assert "12065550142" not in error
    assert "0142" in error
    assert world.lambda_.invocations == []
    assert world.stack.voice.sent_messages() == []


def test_fails_a_dry_run_on_a_v1_sender_naming_the_field(world: World) -> None:
    status = world.run("call", "--stack", STACK, "--to", NUMBER, "--text", "Hi.", "--dry-run")
    assert status == _exit.REFUSED
    assert "DryRun" in world.err.getvalue()
    assert world.stack.voice.sent_messages() == []


def test_fails_an_unreadable_ssml_file_before_invoking(world: World) -> None:
    status = world.run("call", "--stack", STACK, "--to", NUMBER, "--ssml-file", "/nonexistent")
    assert status == _exit.USAGE
    assert "--ssml-file /nonexistent" in world.err.getvalue()
    assert world.lambda_.invocations == []


@pytest.mark.parametrize(
    ("lost", "status"),
    [(ReadTimeoutError(endpoint_url="https://lambda"), _exit.REFUSED), (KeyboardInterrupt(), 130)],
)
def test_fails_a_lost_answer_naming_the_key_so_a_rerun_never_calls_twice(
    world: World, lost: BaseException, status: int
) -> None:
    invoke = world.lambda_.invoke

    def answer_lost(**request: Any) -> dict[str, Any]:
        invoke(**request)  # the sender placed the call; its answer never arrives
        raise lost

    world.lambda_.invoke = answer_lost  # type: ignore[method-assign]
    assert world.run("call", "--stack", STACK, "--to", NUMBER, "--text", "Hello.") == status
    error = world.err.getvalue()
    assert "may have been placed" in error
    found = re.search(r"--idempotency-key (cli-\S+)", error)
    assert found, error
    world.lambda_.invoke = invoke  # type: ignore[method-assign]
    again = call(world, "--idempotency-key", found.group(1))
    assert [m.message_id for m in world.stack.voice.sent_messages()] == [again["MessageId"]]


def test_call_prints_a_generated_key_whole_and_a_given_one_masked(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A uuid whose first group is all digits looks like a phone number to a free-text mask.
    generated = uuid.UUID("12065550-1420-4000-8000-120655501420")
    monkeypatch.setattr(uuid, "uuid4", lambda: generated)
    assert call(world)["IdempotencyKey"] == f"cli-{generated}"
    # A v1 sender refuses a dry run: the refusal names the key.
    status = world.run("call", "--stack", STACK, "--to", NUMBER, "--text", "Hi.", "--dry-run")
    assert status == _exit.REFUSED
    assert f"IdempotencyKey cli-{generated}" in world.err.getvalue()
    result = call(world, "--idempotency-key", f"order-for-{NUMBER}")
    assert result["IdempotencyKey"] == f"order-for-{MASKED}"
    assert (
        world.run(
            "call",
            "--stack",
            STACK,
            "--to",
            NUMBER,
            "--text",
            "Hello.",
            "--idempotency-key",
            f"order-for-{NUMBER}",
        )
        == _exit.OK
    )
    assert NUMBER not in world.out.getvalue()


# --- status ----------------------------------------------------------------------------------


def test_status_follow_returns_the_final_status_of_the_call_it_placed(world: World) -> None:
    message_id = call(world)["MessageId"]
    assert world.run("status", message_id, "--stack", STACK) == _exit.NOT_FOUND
    assert "no event recorded yet" in world.err.getvalue()
    world.on_sleep = emit_one_event_per_sleep(
        ("INITIATED_CALL", "RINGING", "ANSWERED", "COMPLETED_CALL"), message_id
    )
    status = world.run("status", message_id, "--stack", STACK, "--follow", "--json")
    assert status == _exit.OK, world.err.getvalue()
    result = json.loads(world.out.getvalue())
    assert result["Status"] == "COMPLETED_CALL"
    assert result["IsFinal"] is True
    assert [h["Event"] for h in result["History"]] == [
        "INITIATED_CALL",
        "RINGING",
        "ANSWERED",
        "COMPLETED_CALL",
    ]
    assert world.sleeps == [2.0] * 4


def test_status_prints_the_history_for_people(world: World) -> None:
    message_id = call(world)["MessageId"]
    world.stack.deliver(world.stack.voice.emit_call_events(message_id, ("INITIATED_CALL", "BUSY")))
    assert world.run("status", message_id, "--stack", STACK) == _exit.OK
    lines = world.out.getvalue().splitlines()
    assert lines[1].startswith("Status     BUSY (final), at ")
    assert [line.split()[0] for line in lines[3:]] == ["INITIATED_CALL", "BUSY"]


def test_fails_status_follow_after_its_timeout_on_the_simulated_clock(world: World) -> None:
    message_id = call(world)["MessageId"]
    world.on_sleep = emit_one_event_per_sleep(("INITIATED_CALL", "RINGING"), message_id)
    world.err_tty = True
    status = world.run("status", message_id, "--stack", STACK, "--follow", "--timeout", "9")
    assert status == _exit.TIMED_OUT
    assert "still RINGING after 9 s" in world.err.getvalue()
    assert sum(world.sleeps) == pytest.approx(9.0)
    assert "s left" in world.err.getvalue()  # the spinner, drawn on a terminal only


# --- queue -----------------------------------------------------------------------------------


def queue_url(world: World, component: str) -> str:
    sqs = boto3.client("sqs")
    for resource in world.stack.created.values():
        if resource.attributes.get("QueueUrl"):
            tags = sqs.list_queue_tags(QueueUrl=resource.ref).get("Tags", {})
            if tags.get(contract.TAG_COMPONENT) == component:
                return resource.ref
    raise AssertionError(component)


def enqueue(world: World, *bodies: dict[str, Any]) -> None:
    url = queue_url(world, contract.COMPONENT_BULK_QUEUE)
    for body in bodies:
        boto3.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(body))


def test_queue_shows_a_dead_letters_reason_with_the_number_masked(world: World) -> None:
    enqueue(
        world,
        {"DestinationPhoneNumber": "12065550199", "Content": {"PlainTextMessage": {"Text": "a"}}},
        {"DestinationPhoneNumber": NUMBER, "Content": {"PlainTextMessage": {"Text": "b"}}},
    )
    world.stack.poll_queue()
    assert world.run("queue", "--stack", STACK, "--json") == _exit.OK, world.err.getvalue()
    result = json.loads(world.out.getvalue())
    assert result["Queues"][contract.COMPONENT_DEAD_LETTER_QUEUE]["waiting"] == 1
    (letter,) = result["DeadLetters"]
    assert letter["FailureType"] == "invalid"
    assert letter["FailureReason"].startswith("DestinationPhoneNumber")
    assert letter["To"] == "*******0199"
    assert "12065550199" not in world.out.getvalue()
    # Shown, not consumed: the dead letter is still there for the next reader.
    assert world.run("queue", "--stack", STACK) == _exit.OK
    assert "invalid" in world.out.getvalue()
    assert "12065550199" not in world.out.getvalue()


def test_queue_redrive_moves_dead_letters_back_with_their_reasons(world: World) -> None:
    enqueue(
        world,
        {"DestinationPhoneNumber": "12065550199", "Content": {"PlainTextMessage": {"Text": "a"}}},
    )
    world.stack.poll_queue()
    assert world.run("queue", "redrive", "--stack", STACK) == _exit.USAGE
    assert "--yes" in world.err.getvalue()
    world.interactive, world.answers = True, ["n"]
    assert world.run("queue", "--stack", STACK, "redrive") == _exit.OK
    assert "nothing redriven" in world.err.getvalue()
    world.answers = ["y"]
    assert world.run("queue", "--stack", STACK, "redrive", "--json") == _exit.OK
    assert len(json.loads(world.out.getvalue())["Redriven"]) == 1
    messages = boto3.client("sqs").receive_message(
        QueueUrl=queue_url(world, contract.COMPONENT_BULK_QUEUE), MessageAttributeNames=["All"]
    )["Messages"]
    assert messages[0]["MessageAttributes"]["FailureType"]["StringValue"] == "invalid"
    dead = queue_url(world, contract.COMPONENT_DEAD_LETTER_QUEUE)
    assert "Messages" not in boto3.client("sqs").receive_message(QueueUrl=dead)


def test_fails_a_redrive_confirmed_after_the_letters_were_visible_again(world: World) -> None:
    enqueue(
        world,
        {"DestinationPhoneNumber": "12065550199", "Content": {"PlainTextMessage": {"Text": "a"}}},
    )
    world.stack.poll_queue()
    world.interactive, world.answers, world.thinking = True, ["y"], 299.0
    assert world.run("queue", "redrive", "--stack", STACK) == _exit.REFUSED
    assert "nothing redriven; run it again" in world.err.getvalue()
    assert "Messages" not in boto3.client("sqs").receive_message(
        QueueUrl=queue_url(world, contract.COMPONENT_BULK_QUEUE)
    )


def test_queue_leaves_out_a_failure_queue_the_user_brought(world: World) -> None:
    # A queue the user gave as failure_queue carries none of the constructs' tags.
    failure = queue_url(world, contract.COMPONENT_FAILURE_QUEUE)
    boto3.client("sqs").untag_queue(QueueUrl=failure, TagKeys=[contract.TAG_COMPONENT])
    assert world.run("queue", "--stack", STACK, "--json") == _exit.OK, world.err.getvalue()
    queues = json.loads(world.out.getvalue())["Queues"]
    assert queues[contract.COMPONENT_FAILURE_QUEUE] is None
    assert queues[contract.COMPONENT_BULK_QUEUE]["waiting"] == 0
    assert world.run("queue", "--stack", STACK) == _exit.OK
    assert contract.COMPONENT_FAILURE_QUEUE not in world.out.getvalue()


def test_fails_to_redrive_an_unknown_outcome(world: World) -> None:
    dead = queue_url(world, contract.COMPONENT_DEAD_LETTER_QUEUE)
    boto3.client("sqs").send_message(
        QueueUrl=dead,
        MessageBody=json.dumps({"DestinationPhoneNumber": NUMBER}),
        MessageAttributes={
            "FailureType": {"DataType": "String", "StringValue": "outcome_unknown"},
            "FailureReason": {"DataType": "String", "StringValue": "the call may have been placed"},
        },
    )
    assert world.run("queue", "redrive", "--stack", STACK, "--yes") == _exit.OK
    assert "no dead letter to redrive" in world.err.getvalue()
    status = world.run("queue", "redrive", "--stack", STACK, "--yes", "--type", "outcome_unknown")
    assert status == _exit.USAGE
    assert world.run("queue", "--stack", STACK, "--json") == _exit.OK
    assert json.loads(world.out.getvalue())["Queues"]["dead-letter-queue"]["waiting"] == 1


def move_by_sqs(world: World, body: dict[str, Any], **attributes: str) -> None:
    """Enqueue ``body`` and receive it until SQS moves it to the dead-letter queue."""
    sqs = boto3.client("sqs")
    url = queue_url(world, contract.COMPONENT_BULK_QUEUE)
    sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps(body),
        MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    )
    for _ in range(100):
        if "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0):
            return
    raise AssertionError("SQS never moved it")


def test_queue_redrive_leaves_letters_sqs_moved_unless_named(world: World) -> None:
    # The function failed on every delivery (perhaps after the call was placed): SQS moved it.
    move_by_sqs(
        world, {"DestinationPhoneNumber": NUMBER, "Content": {"PlainTextMessage": {"Text": "a"}}}
    )
    assert world.run("queue", "redrive", "--stack", STACK, "--yes") == _exit.OK
    assert "no dead letter to redrive" in world.err.getvalue()
    assert world.run("queue", "--stack", STACK, "--json") == _exit.OK
    (letter,) = json.loads(world.out.getvalue())["DeadLetters"]
    assert letter["FailureType"] == "moved_by_sqs"
    assert "perhaps after the call was placed" in letter["FailureReason"]
    status = world.run("queue", "redrive", "--stack", STACK, "--yes", "--type", "moved_by_sqs")
    assert status == _exit.OK
    assert "redrove 1" in world.out.getvalue()
    # The copy carries the lineage SQS kept (its MessageId), so the sender knows the message.
    [copy] = boto3.client("sqs").receive_message(
        QueueUrl=queue_url(world, contract.COMPONENT_BULK_QUEUE), MessageAttributeNames=["All"]
    )["Messages"]
    assert (
        copy["MessageAttributes"][contract.LINEAGE_ATTRIBUTE]["StringValue"] == letter["MessageId"]
    )


def test_redrive_never_leaves_two_copies_and_puts_back_a_letter_it_could_not_send(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voice_constructs.cli import _queues

    enqueue(
        world,
        {"DestinationPhoneNumber": "12065550199", "Content": {"PlainTextMessage": {"Text": "a"}}},
    )
    world.stack.poll_queue()
    bulk_url = queue_url(world, contract.COMPONENT_BULK_QUEUE)
    dead = queue_url(world, contract.COMPONENT_DEAD_LETTER_QUEUE)
    order: list[str] = []
    real = _queues.Queues.__init__

    def spying(self: Any, runtime: Any, arguments: Any) -> None:
        real(self, runtime, arguments)
        sqs = self._sqs

        class Spy:
            def __getattr__(self, name: str) -> Any:
                return getattr(sqs, name)

            def delete_message(self, **request: Any) -> Any:
                order.append("delete")
                return sqs.delete_message(**request)

            def send_message(self, **request: Any) -> Any:
                order.append("send to " + ("bulk" if request["QueueUrl"] == bulk_url else "dead"))
                if request["QueueUrl"] == bulk_url:
                    raise ClientError({"Error": {"Code": "AccessDenied"}}, "SendMessage")
                return sqs.send_message(**request)

        self._sqs = Spy()

    monkeypatch.setattr(_queues.Queues, "__init__", spying)

    assert world.run("queue", "redrive", "--stack", STACK, "--yes") != _exit.OK

    assert order == ["delete", "send to bulk", "send to dead"]
    assert "it is back in the dead-letter queue" in world.err.getvalue()
    [letter] = boto3.client("sqs").receive_message(QueueUrl=dead, MessageAttributeNames=["All"])[
        "Messages"
    ]
    assert letter["MessageAttributes"]["FailureType"]["StringValue"] == "invalid"
    assert "Messages" not in boto3.client("sqs").receive_message(QueueUrl=bulk_url)


def test_a_dead_letter_sqs_moved_is_known_by_its_source_queue_not_its_old_reason() -> None:
    from voice_constructs.cli._queues import dead_letter

    letter = dead_letter(
        {
            "MessageId": "m-1",
            "ReceiptHandle": "r-1",
            "Body": "[" * 100_000,  # too deep for json: no traceback
            "Attributes": {"DeadLetterQueueSourceArn": "arn:aws:sqs:us-east-1:123456789012:q"},
            "MessageAttributes": {
                "FailureType": {"DataType": "String", "StringValue": "invalid" * 100},
                "FailureReason": {"DataType": "String", "StringValue": f"to {NUMBER}"},
            },
        }
    )
    assert letter.failure_type == "moved_by_sqs"
    assert NUMBER not in letter.reason
    assert letter.to == "?"
    typed = dead_letter(
        {
            "MessageId": "m-2",
            "ReceiptHandle": "r-2",
            "Body": "{}",
            "MessageAttributes": {
                "FailureType": {"DataType": "String", "StringValue": f"x{NUMBER}" * 100},
            },
        }
    )
    assert len(typed.failure_type) <= 60
    assert NUMBER not in typed.failure_type


# --- finding the stack -----------------------------------------------------------------------


def test_fails_an_unknown_stack_naming_it(world: World) -> None:
    status = world.run("call", "--stack", "Elsewhere", "--to", NUMBER, "--text", "Hi.")
    assert status == _exit.NOT_FOUND
    assert "stack Elsewhere has no sender" in world.err.getvalue()
    assert world.lambda_.invocations == []


def test_fails_without_a_stack_name(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICE_CONSTRUCTS_STACK", raising=False)
    assert world.run("queue") == _exit.USAGE
    assert "--stack" in world.err.getvalue()


def test_fails_a_sender_path_that_matches_nothing(world: World) -> None:
    status = world.run("queue", "--stack", STACK, "--sender", "Other/Sender")
    assert status == _exit.NOT_FOUND
    assert "under --sender Other/Sender" in world.err.getvalue()
    assert "sender of Voice/Sender" in world.err.getvalue()


@pytest.mark.parametrize(
    "argv", [[], ["call"], ["status"], ["queue"], ["queue", "redrive"], ["emulate"]]
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from voice_constructs.cli import main

    assert main([*argv, "--help"]) == _exit.OK
    assert "usage: voice-constructs" in capsys.readouterr().out


# --- the v2 sample: call status through EventBridge -------------------------------------------

V2_LIFECYCLE = ("VOICE_INITIATED", "VOICE_RINGING", "VOICE_ANSWERED", "VOICE_COMPLETED")


def test_v2_call_and_status_follow_through_eventbridge(world_v2: World) -> None:
    world = world_v2
    assert not list(world.stack._resources("AWS::SNS::Topic"))
    message_id = call(world)["MessageId"]
    assert [m.message_id for m in world.stack.voice.sent_messages(api="v2")] == [message_id]
    world.on_sleep = emit_one_event_per_sleep(V2_LIFECYCLE, message_id)
    status = world.run("status", message_id, "--stack", STACK, "--follow", "--json")
    assert status == _exit.OK, world.err.getvalue()
    result = json.loads(world.out.getvalue())
    assert result["Status"] == "COMPLETED_CALL"
    assert result["IsFinal"] is True
    assert len(result["History"]) == 4
    assert all(
        event["source"] == contract.EVENTBRIDGE_SOURCE for event in world.stack.tracker_events
    )


def test_v2_dry_run_places_no_call(world_v2: World) -> None:
    result = call(world_v2, "--dry-run")
    assert result["DryRun"] is True
    assert result["MessageId"]
    assert world_v2.stack.voice.sent_messages(api="v2") == []


# --- docs/cli.md's permissions table ----------------------------------------------------------


def readme_permissions() -> dict[str, set[str]]:
    from tests.docs import page
    from tests.readme_tables import section

    rows = section(page("cli.md").read_text(), "cli-permissions").strip().splitlines()[2:]
    table: dict[str, set[str]] = {}
    for row in rows:
        command, actions, _ = (cell.strip() for cell in row.strip("|").split("|"))
        table[command.strip("`")] = set(re.findall(r"`([a-z]+:[A-Za-z]+)`", actions))
    return table


def test_the_readme_lists_exactly_the_permissions_each_command_uses(world: World) -> None:
    used: dict[str, set[str]] = {}
    message_id = call(world)["MessageId"]
    used["call"] = world.actions
    world.stack.deliver(world.stack.voice.emit_call_events(message_id))
    assert world.run("status", message_id, "--stack", STACK, "--follow") == _exit.OK
    used["status"] = world.actions
    enqueue(world, {"DestinationPhoneNumber": "1206555", "Content": {}})
    world.stack.poll_queue()
    assert world.run("queue", "--stack", STACK) == _exit.OK
    used["queue"] = world.actions
    redrive = ("queue", "redrive", "--stack", STACK, "--yes")
    assert world.run(*redrive, "--type", "recipient_cap") == _exit.OK  # puts back what it read
    used["queue redrive"] = world.actions
    assert world.run(*redrive) == _exit.OK
    assert "redrove 1" in world.out.getvalue()
    used["queue redrive"] |= world.actions
    assert readme_permissions() == used


# --- review findings --------------------------------------------------------------------------


def test_a_limit_given_before_redrive_reaches_it(world: World) -> None:
    enqueue(
        world,
        *(
            {"DestinationPhoneNumber": f"1206555010{i}", "Content": {"PlainTextMessage": {}}}
            for i in range(3)
        ),
    )
    world.stack.poll_queue()
    assert world.run("queue", "--stack", STACK, "--limit", "1", "redrive", "--yes") == _exit.OK
    assert "redrove 1 " in world.out.getvalue()


def test_fails_status_with_a_phone_number_for_a_message_id_without_echoing_it(
    world: World,
) -> None:
    assert world.run("status", NUMBER, "--stack", STACK) == _exit.NOT_FOUND
    assert NUMBER not in world.err.getvalue()
    assert MASKED in world.err.getvalue()


def test_fails_status_follow_with_no_event_at_all_as_timed_out(world: World) -> None:
    message_id = call(world)["MessageId"]
    status = world.run("status", message_id, "--stack", STACK, "--follow", "--timeout", "5")
    assert status == _exit.TIMED_OUT
    assert "no event recorded" in world.err.getvalue()


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1"])
def test_fails_a_timeout_that_is_not_a_finite_positive_number(world: World, value: str) -> None:
    status = world.run("status", "x", "--stack", STACK, "--follow", "--timeout", value)
    assert status == _exit.USAGE
    assert "--timeout must be" in world.err.getvalue()


def test_redrive_with_nothing_to_move_still_prints_json(world: World) -> None:
    assert world.run("queue", "redrive", "--stack", STACK, "--yes", "--json") == _exit.OK
    assert json.loads(world.out.getvalue()) == {"Redriven": []}


# --- Terminal hygiene and configuration errors ----------------------------------------------


def test_queue_escapes_control_characters_a_dead_letter_carries(world: World) -> None:
    dead = queue_url(world, contract.COMPONENT_DEAD_LETTER_QUEUE)
    hostile = "title\x1b]0;owned\x07 clear\x1b[2J\x9b31m rtl\u202etxt.exe"
    boto3.client("sqs").send_message(
        QueueUrl=dead,
        MessageBody=json.dumps({"DestinationPhoneNumber": NUMBER}),
        MessageAttributes={
            "FailureType": {"DataType": "String", "StringValue": "invalid\x1b[31m"},
            "FailureReason": {"DataType": "String", "StringValue": hostile},
        },
    )

    assert world.run("queue", "--stack", STACK) == _exit.OK

    shown = world.out.getvalue()
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", shown)
    assert "\\x1b]0;owned\\x07" in shown
    assert "\\u202e" in shown


@pytest.mark.parametrize(
    ("environment", "arguments", "expected"),
    [
        ({}, (), "pass --region or set AWS_REGION"),
        ({"AWS_DEFAULT_REGION": "us-east-1"}, ("--profile", "no-such-profile"), "no-such-profile"),
    ],
    ids=["no-region", "unknown-profile"],
)
def test_fails_on_a_configuration_error_in_one_line_with_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    environment: dict[str, str],
    arguments: tuple[str, ...],
    expected: str,
) -> None:
    import io

    from voice_constructs.cli import main
    from voice_constructs.cli._runtime import Runtime

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()

    status = main(["queue", "--stack", STACK, *arguments], runtime=Runtime(out=out, err=err))

    assert status == _exit.USAGE
    assert err.getvalue().count("\n") == 1
    assert err.getvalue().startswith("voice-constructs: AWS configuration: ")
    assert expected in err.getvalue()
    assert "Traceback" not in err.getvalue()
