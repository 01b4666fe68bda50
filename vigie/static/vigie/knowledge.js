/* Knowledge base: "Insert link in reply" puts an article's title and portal address into the reply box. */
(function () {
  "use strict";
  if (window.vigieKnowledge) return;
  window.vigieKnowledge = true;
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    var button = target.closest("[data-kb-insert]");
    if (!button) return;
    var box = document.querySelector("#ticket-workspace textarea[name=body]");
    if (!box) return;
    var text = button.getAttribute("data-kb-insert") || "";
    var start = box.selectionStart || box.value.length;
    var end = box.selectionEnd || start;
    var before = box.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    box.value = before + glue + text + "\n" + box.value.slice(end);
    box.focus();
    box.scrollIntoView({ block: "center" });
  });
})();
