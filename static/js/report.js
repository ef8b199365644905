// The printable report: its Print button (no inline script under the CSP).
(function () {
  "use strict";
  var button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
