// "Copier la citation": the citation text is already in a read-only textarea
// (selectable without JavaScript); this copies it with one click.
(function () {
  "use strict";
  var status = document.getElementById("copy-status");

  function say(message) {
    if (status) status.textContent = message;
  }

  // Older browsers, or pages not served over HTTPS/localhost: select and execCommand.
  function copyBySelection(textarea) {
    textarea.focus();
    textarea.select();
    textarea.setSelectionRange(0, textarea.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function done(button, ok, textarea) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    if (ok) {
      button.textContent = "Citation copiée ✓";
      button.classList.add("is-done");
      say("La citation est copiée dans le presse-papiers.");
    } else {
      textarea.focus();
      textarea.select();
      button.textContent = "Sélectionnée : Ctrl+C pour copier";
      say("Copie automatique impossible : le texte est sélectionné, copiez-le avec Ctrl+C (ou Cmd+C).");
    }
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("is-done");
    }, 2500);
  }

  function copy(button) {
    var textarea = document.getElementById(button.getAttribute("data-target"));
    if (!textarea) return;
    var text = textarea.value;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done(button, true, textarea); },
        function () { done(button, copyBySelection(textarea), textarea); }
      );
    } else {
      done(button, copyBySelection(textarea), textarea);
    }
  }

  var buttons = document.querySelectorAll(".copy-citation");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false; // shown only when it can work
    buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
  }
})();
