"""The CAS server for the tests: its database made, its users added (USERS: JSON {username: [password, first_name]}),
then Django's server on 127.0.0.1:PORT until stopped."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)
for username, (password, first_name) in json.loads(os.environ["USERS"]).items():
    User.objects.create_user(username, password=password, first_name=first_name)
call_command("runserver", f"127.0.0.1:{os.environ['PORT']}", use_reloader=False, verbosity=0)
