/* Vigie: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Selects and radios marked data-autosubmit submit their form (language switch, portal filters).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLElement && target.hasAttribute("data-autosubmit") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });

  // The priority that impact × urgency gives, shown beside the two fields as they change.
  function updatePriority(form) {
    var script = document.getElementById("priority-matrix");
    var output = form.querySelector("[data-priority-output]");
    var impact = form.querySelector("[name=impact]");
    var urgency = form.querySelector("[name=urgency]");
    if (!script || !output || !impact || !urgency) return;
    var matrix = JSON.parse(script.textContent || "{}");
    var label = matrix[impact.value + "-" + urgency.value];
    if (label) output.textContent = label;
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    var name = target.getAttribute("name");
    if (name !== "impact" && name !== "urgency") return;
    var form = target.closest("[data-priority-form]");
    if (form) updatePriority(form);
  });
  function initPriorities(root) {
    (root || document).querySelectorAll("[data-priority-form]").forEach(updatePriority);
  }
  document.addEventListener("DOMContentLoaded", function () { initPriorities(document); });
  document.addEventListener("htmx:afterSettle", function (event) { initPriorities(event.target); });

  // Keep the queue's address short and readable: drop empty filters and the CSRF token from GETs.
  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (!detail || detail.verb !== "get" || !detail.formData) return;
    var data = detail.formData;
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      var values = data.getAll(key).filter(function (value) { return value !== ""; });
      if (key === "csrfmiddlewaretoken" || values.length === 0) {
        data.delete(key);
      }
    });
  });

  // Filter drop-downs close on Escape or on a click elsewhere, like a native menu.
  function closeDropdowns(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (details) {
      if (details !== except) details.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    closeDropdowns(target instanceof Element ? target.closest("details.dropdown") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.dropdown[open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) summary.focus();
    }
  });

  // After an htmx swap of the ticket workspace, move the focus to the confirmation or the first error.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    if (!(root instanceof HTMLElement) || root.id !== "ticket-workspace") return;
    var focus = root.querySelector("[role=alert], .field--error input, .field--error textarea, .field--error select");
    if (!focus) focus = root.querySelector(".message[role=status]");
    if (focus) {
      if (!focus.hasAttribute("tabindex") && !/INPUT|TEXTAREA|SELECT/.test(focus.tagName)) focus.setAttribute("tabindex", "-1");
      focus.focus({ preventScroll: false });
    }
  });
})();
