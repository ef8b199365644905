"""Flask extensions, created here and bound in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api

# OpenAPI 3 from the marshmallow schemas, and request parsing with them.
api = Api()
# Failed sign-ins only; the window passes, so the real user is never locked out for good.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
