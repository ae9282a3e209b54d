// Recording page: "précédent / suivant" step through the passages that hold the words searched
// in this recording (marked in the transcript and on the timeline), and move the player there.
// Without this file the links still jump to the first and last of them.
(function () {
  "use strict";
  var nav = document.querySelector(".hit-nav");
  if (!nav) return;
  var hits = Array.prototype.slice.call(document.querySelectorAll(".turn.is-hit, .passage.is-hit"));
  if (!hits.length) return;
  var at = document.querySelector(".hit-nav__at");
  var index = -1;

  function show(i) {
    index = (i + hits.length) % hits.length;
    var hit = hits[index];
    for (var k = 0; k < hits.length; k++) hits[k].classList.toggle("is-stepped", k === index);
    if (!hit.hasAttribute("tabindex")) hit.setAttribute("tabindex", "-1");
    hit.focus({ preventScroll: true });
    hit.scrollIntoView({ block: "center" });
    at.hidden = false;
    at.textContent = (index + 1) + " / " + hits.length + " — ";
    var audio = document.getElementById("audio");
    // At the first word found in the passage (data-at), else at its start.
    var start = parseFloat(hit.getAttribute("data-at") || hit.getAttribute("data-start"));
    if (audio && isFinite(start)) {
      try { audio.currentTime = start; } catch (error) { /* not seekable yet */ }
    }
  }

  nav.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-step]") : null;
    if (!link) return;
    event.preventDefault();
    var step = parseInt(link.getAttribute("data-step"), 10);
    show(index === -1 ? (step > 0 ? 0 : hits.length - 1) : index + step);
  });
})();
