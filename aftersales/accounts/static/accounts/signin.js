// The "send a new code" button waits out the resend interval the server named (data-wait, in
// seconds), counting down on its label. Without this script the button works at once and the
// server answers a too-early request with the wait.
(function () {
  "use strict";
  var button = document.getElementById("resend");
  if (!button) return;
  var left = parseInt(button.getAttribute("data-wait"), 10) || 0;
  var waiting = button.getAttribute("data-waiting");
  var ready = button.getAttribute("data-ready");
  function tick() {
    if (left <= 0) {
      button.disabled = false;
      button.textContent = ready;
      return;
    }
    button.disabled = true;
    button.textContent = waiting.replace("#", String(left));
    left -= 1;
    window.setTimeout(tick, 1000);
  }
  tick();
})();
