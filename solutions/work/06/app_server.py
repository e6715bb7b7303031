
"""One request to an app server: load the conversation, answer one message, save it back."""
import sys

from course_lib import RedisStore, make_client

url, session_id, server, message = sys.argv[1:]
store = RedisStore(url, namespace="notebook05")
manager = store.load(session_id, client=make_client("simulated"))  # any server can load it
reply = manager.send(message)
info = store.save(session_id, manager, user_id="alice")
print(f"[{server}] {message} -> {reply}")
print(f"[{server}] saved revision {info.revision} ({info.message_count} messages)")
