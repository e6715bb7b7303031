"""Notebook tests replay the recorded exchanges in cassettes/, so a lesson cannot change silently.

nbval starts each notebook's kernel from this process, so the kernel inherits this setting.
A simulator change that alters a lesson shows up as a replay miss; re-record with `course-kit record`.
"""

import os

os.environ["COURSE_CLIENT_MODE"] = "replay"
