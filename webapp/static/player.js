// Recording page: start at ?t=, stop at its end, seek from the transcript, highlight
// the passage being heard, move the timeline's playhead, keep the URL at the current time.
// Without this file the page still plays from ?t= (media fragment) and the time links reload the page.
(function () {
  "use strict";
  var audio = document.getElementById("audio");
  if (!audio) return;

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : null;
  }

  var startAt = number(audio.getAttribute("data-start"));
  var stopAt = number(audio.getAttribute("data-end"));
  var turns = Array.prototype.map.call(document.querySelectorAll(".turn[data-start]"), function (el) {
    return { el: el, start: number(el.getAttribute("data-start")), end: number(el.getAttribute("data-end")) };
  });
  // The cues (timed units of the transcript) inside the passages: the one being heard is marked.
  var cues = Array.prototype.map.call(document.querySelectorAll(".cue[data-start]"), function (el) {
    return { el: el, start: number(el.getAttribute("data-start")), end: number(el.getAttribute("data-end")) };
  });
  var timeline = document.querySelector(".timeline__bar");
  var playhead = timeline && timeline.querySelector(".timeline__playhead");

  function seek(seconds) {
    try {
      audio.currentTime = seconds;
    } catch (error) { /* not seekable yet: loadedmetadata will apply startAt */ }
  }

  // Start position: set once the metadata is known, and again on the first play
  // because iOS Safari ignores currentTime set before playback starts.
  function applyStart() {
    if (startAt !== null && Math.abs(audio.currentTime - startAt) > 0.25) seek(startAt);
  }
  audio.addEventListener("loadedmetadata", function () {
    applyStart();
    placeMarks();
  });
  if (audio.readyState >= 1) {
    applyStart();
    placeMarks();
  }
  audio.addEventListener("play", function onFirstPlay() {
    audio.removeEventListener("play", onFirstPlay);
    applyStart();
    startAt = null;
  });

  // --- the passage being heard
  var current = document.querySelector(".turn.is-current");
  function turnAt(seconds) {
    for (var i = 0; i < turns.length; i++) {
      var turn = turns[i];
      var next = turns[i + 1];
      var end = turn.end !== null ? turn.end : (next ? next.start : Infinity);
      if (seconds >= turn.start && seconds < end) return turn.el;
    }
    return null;
  }
  function visible(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }
  var currentCue = null;
  // A link to a word opens a little before it (WORD_LEAD in indexer/anchors.py): the cue about
  // to be heard that soon is the one marked.
  var CUE_LEAD = 0.3;
  function cueAt(seconds) {
    var found = null;  // cues may overlap: the latest one started
    for (var i = 0; i < cues.length; i++) {
      if (cues[i].start <= seconds + CUE_LEAD && (cues[i].end === null || seconds < cues[i].end)) found = cues[i].el;
    }
    return found;
  }
  function highlightCue(seconds) {
    var el = cueAt(seconds);
    if (el === currentCue) return;
    if (currentCue) currentCue.classList.remove("is-current-cue");
    currentCue = el;
    if (el) el.classList.add("is-current-cue");
  }
  function highlight() {
    // Before the start position is applied, the time asked for (?t=) is the one to show.
    highlightCue(startAt !== null && audio.currentTime === 0 ? startAt : audio.currentTime);
    var el = turnAt(audio.currentTime);
    if (el === current) return;
    var follow = !current || visible(current);
    if (current) {
      current.classList.remove("is-current");
      current.removeAttribute("aria-current");
    }
    current = el;
    if (el) {
      el.classList.add("is-current");
      el.setAttribute("aria-current", "true");
      // Follow the reading only if the reader was following it.
      if (follow && !audio.paused && !visible(el)) el.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }

  // --- the timeline: marks placed from the real duration, and a playhead
  function placeMarks() {
    if (!timeline || !isFinite(audio.duration) || audio.duration <= 0) return;
    var rects = timeline.querySelectorAll(".timeline__hit");
    for (var i = 0; i < rects.length; i++) {
      var start = number(rects[i].getAttribute("data-start")) || 0;
      var end = number(rects[i].getAttribute("data-end"));
      var x = Math.min(994, 1000 * start / audio.duration);
      var width = Math.max(6, 1000 * ((end !== null ? end : start) - start) / audio.duration);
      rects[i].setAttribute("x", x.toFixed(1));
      rects[i].setAttribute("width", Math.min(width, 1000 - x).toFixed(1));
    }
    timeline.classList.add("is-live");
  }
  function movePlayhead() {
    if (!playhead || !isFinite(audio.duration) || audio.duration <= 0) return;
    playhead.setAttribute("x", Math.min(997, 1000 * audio.currentTime / audio.duration).toFixed(1));
  }

  // --- the URL stays shareable: ?t= follows the listening position
  var lastUrlUpdate = 0;
  function updateUrl(force) {
    var now = Date.now();
    if (!force && now - lastUrlUpdate < 2000) return;
    lastUrlUpdate = now;
    var url = new URL(window.location.href);
    url.searchParams.set("t", String(Math.floor(audio.currentTime)));
    url.hash = "";
    window.history.replaceState(window.history.state, "", url.toString());
  }

  audio.addEventListener("timeupdate", function () {
    if (stopAt !== null && audio.currentTime >= stopAt) {
      stopAt = null; // only once: playing on afterwards is the listener's choice
      audio.pause();
    }
    highlight();
    movePlayhead();
    if (!audio.paused) updateUrl(false);
  });
  audio.addEventListener("pause", function () { updateUrl(true); });
  audio.addEventListener("seeked", function () {
    highlight();
    movePlayhead();
    if (startAt === null) updateUrl(true);
  });

  // --- time links: seek here instead of reloading the page
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.seek") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    var start = number(link.getAttribute("data-start"));
    if (start === null) return;
    event.preventDefault();
    startAt = null;
    stopAt = null;
    seek(start);
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: the position is set */ });
    highlight();
    updateUrl(true);
  });

  if (startAt !== null) highlightCue(startAt);
  if (current && !visible(current)) current.scrollIntoView({ block: "center" });
})();
