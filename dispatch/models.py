"""Every model, imported once so the metadata is whole (Alembic, tests)."""
from .attachments import models as _attachments  # noqa: F401
from .auth import models as _auth  # noqa: F401
from .db import Base
from .duty import models as _duty  # noqa: F401
from .events import Event, EventCounter  # noqa: F401
from .hidden_dangers import models as _hidden_dangers  # noqa: F401
from .incidents import models as _incidents  # noqa: F401
from .instructions import models as _instructions  # noqa: F401
from .meetings import models as _meetings  # noqa: F401
from .organisation import models as _organisation  # noqa: F401
from .places import models as _places  # noqa: F401
from .representatives import models as _representatives  # noqa: F401
from .reports import models as _reports  # noqa: F401
from .reviews import models as _reviews  # noqa: F401
from .response_plans import models as _response_plans  # noqa: F401
from .statistics import models as _statistics  # noqa: F401
from .tasks import models as _tasks  # noqa: F401

metadata = Base.metadata
