"""The offline embedding model: it never reaches for the network, it is deterministic, and it knows words used alike."""

import json
import subprocess
import sys

import numpy as np

from course_lib.embeddings import DIMENSIONS, cosine, embed, is_everyday_word, similarity_matrix

NO_NETWORK = """
import json, socket
def refuse(*args, **kwargs):
    raise RuntimeError("network used")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from course_lib.embeddings import embed
vectors = embed(["my manager is Dev Okafor", "who's my boss?"])
print(json.dumps({"shape": list(vectors.shape), "sum": float(vectors.sum())}))
"""


def test_the_model_loads_and_embeds_with_every_socket_refused(tmp_path):
    """A fresh interpreter with sockets disabled and an empty home, so no download cache can help it."""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", NO_NETWORK], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1])["shape"] == [2, DIMENSIONS]
    assert not (tmp_path / ".cache" / "wordllama").exists(), "the loader wrote a download cache"


def test_vectors_are_unit_length_and_the_same_on_every_call():
    first = embed(["The order number is KX-4417-B.", "I'm on a ThinkPad running Fedora."])
    assert first.shape == (2, DIMENSIONS) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, embed(["The order number is KX-4417-B.", "I'm on a ThinkPad running Fedora."]))


def test_an_empty_text_is_similar_to_nothing():
    assert not embed(["", "   "]).any()
    assert embed([]).shape == (0, DIMENSIONS)


def test_words_used_alike_are_closer_than_unrelated_words():
    assert cosine("staff", "employee") > cosine("staff", "order") + 0.2
    assert cosine("flight", "flying") > cosine("flight", "sister") + 0.2
    matrix = similarity_matrix(["How do I reset my password?"],
                               ["What's the way to change my password?", "How do I delete my account?"])
    assert matrix[0, 0] > matrix[0, 1]


def test_importing_the_model_leaves_the_root_logger_alone():
    """wordllama's __init__ calls logging.basicConfig(INFO); left in place, httpx2 would log every request."""
    probe = ("import logging; before = (list(logging.getLogger().handlers), logging.getLogger().level); "
             "from course_lib.embeddings import embed; embed(['x']); "
             "print((list(logging.getLogger().handlers), logging.getLogger().level) == before)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_everyday_words_are_whole_in_the_vocabulary_and_lowercase_names_are_not():
    assert all(is_everyday_word(w) for w in ["date", "install", "garden", "next"])
    assert not any(is_everyday_word(w) for w in ["bicester", "halfords", "ribeira", "millfield"])

