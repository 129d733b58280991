"""The receiver's signature check against the Standard Webhooks specification's own example."""
import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("receiver", Path(__file__).with_name("receiver.py"))
receiver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(receiver)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ID, TIMESTAMP, BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specification_example_verifies():
    assert receiver.verify(SECRET, ID, TIMESTAMP, SIGNATURE, BODY, now=1614265330)


def test_a_changed_body_id_or_secret_does_not():
    assert not receiver.verify(SECRET, ID, TIMESTAMP, SIGNATURE, BODY + b" ", now=1614265330)
    assert not receiver.verify(SECRET, "msg_other", TIMESTAMP, SIGNATURE, BODY, now=1614265330)
    assert not receiver.verify("whsec_" + "A" * 32, ID, TIMESTAMP, SIGNATURE, BODY, now=1614265330)


def test_an_old_timestamp_is_refused():
    assert not receiver.verify(SECRET, ID, TIMESTAMP, SIGNATURE, BODY, now=1614265330 + 301)


def test_one_of_several_signatures_is_enough():
    assert receiver.verify(SECRET, ID, TIMESTAMP, "v1,bm90IGl0 " + SIGNATURE, BODY, now=1614265330)
