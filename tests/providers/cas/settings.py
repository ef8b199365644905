"""A county's CAS 3.0 server for the single sign-on tests: django-mama-cas on Django, its users in a SQLite file.

Started by the tests (`python serve.py`, tests/sso_support.py); nothing of it runs in Dispatch."""
import os

SECRET_KEY = "cas-server-for-the-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                  "django.contrib.messages", "mama_cas"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware", "django.middleware.common.CommonMiddleware",
              "django.middleware.csrf.CsrfViewMiddleware", "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
ROOT_URLCONF = "urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["CAS_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test users only: fast to start
# Dispatch's callback on this machine, any port; the user's names released as CAS 3.0 attributes
MAMA_CAS_SERVICES = [{
    "SERVICE": r"^http://(127\.0\.0\.1|localhost)(:\d+)?/auth/cas/callback",
    "CALLBACKS": ["mama_cas.callbacks.user_model_attributes"],
}]
