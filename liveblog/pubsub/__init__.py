"""Change notifications between server processes, and the local fan-out to live readers.

A broker message only says "blog X reached sequence N"; the event log in the database is the
truth. A lost message delays delivery until the next wake-up or catch-up; it never loses an event.
"""

from liveblog.pubsub.broker import Broker, WakeUp
from liveblog.pubsub.factory import broker_from_url

__all__ = ["Broker", "WakeUp", "broker_from_url"]
