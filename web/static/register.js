// The registration form (register.html): time zones of the chosen country first in every
// person's list, and "Add a person" / "Add a product" copying an empty block. Without
// JavaScript the form still works: one person, three products, every zone listed.
(function () {
  "use strict";
  var form = document.getElementById("register");
  if (!form) { return; }
  var zones = JSON.parse(form.dataset.zones || "{}");
  var country = document.getElementById("country");

  function byLabel(a, b) { return a.textContent.localeCompare(b.textContent); }

  function sortZones(select) {
    var mine = select.querySelector("optgroup.zones-mine");
    var all = select.querySelector("optgroup.zones-all");
    var code = country ? country.value : "";
    var wanted = zones[code] || [];
    var options = Array.prototype.slice.call(mine.querySelectorAll("option"));
    options.sort(byLabel).forEach(function (o) { all.appendChild(o); });
    var rest = Array.prototype.slice.call(all.querySelectorAll("option")).sort(byLabel);
    rest.forEach(function (o) { all.appendChild(o); });
    wanted.forEach(function (zone) {
      var option = all.querySelector('option[value="' + zone + '"]');
      if (option) { mine.appendChild(option); }
    });
    mine.hidden = mine.children.length === 0;
    if (!select.value && mine.firstElementChild) { select.value = mine.firstElementChild.value; }
  }

  function sortAll() {
    Array.prototype.forEach.call(form.querySelectorAll("select.zone-select"), sortZones);
  }

  if (country) { country.addEventListener("change", sortAll); }

  function adder(buttonId, listId, kind, most, label) {
    var button = document.getElementById(buttonId);
    var list = document.getElementById(listId);
    if (!button || !list) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var blocks = list.querySelectorAll("fieldset." + kind);
      if (blocks.length >= most) { button.hidden = true; return; }
      var last = blocks[blocks.length - 1];
      var copy = last.cloneNode(true);
      var index = blocks.length;
      copy.dataset.index = String(index);
      var legend = copy.querySelector("legend");
      if (legend) { legend.textContent = label.replace("{n}", String(index + 1)); }
      Array.prototype.forEach.call(copy.querySelectorAll("[name]"), function (field) {
        field.name = field.name.replace(/^(\w+)-\d+-/, "$1-" + index + "-");
        if (field.type === "checkbox") { field.checked = false; }
        else if (field.tagName !== "SELECT") { field.value = ""; }
        field.removeAttribute("aria-invalid");
        field.removeAttribute("aria-describedby");
      });
      Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (e) {
        e.remove();
      });
      list.appendChild(copy);
      if (index + 1 >= most) { button.hidden = true; }
      var first = copy.querySelector("input");
      if (first) { first.focus(); }
    });
  }

  adder("add-person", "people", "person", Number(form.dataset.maxPeople), form.dataset.lPerson);
  adder("add-product", "products", "product", Number(form.dataset.maxProducts), form.dataset.lProduct);
})();
