// Second Look's only script of its own, served from /static (no build step, no inline code:
// the Content-Security-Policy allows scripts from this site only).
//
// A form or button with data-confirm asks before it does something that cannot simply be
// undone (withdrawing consent, blurring a photo, deleting). Without scripts the form still
// works; deleting a draft also has its own confirmation page on the server.
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var message = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
