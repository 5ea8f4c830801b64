// Orders from a roadshow's replay (web/replays.py): the same orders as on the live
// stage, sent over HTTP with a client key, so a resend after a lost answer counts once.
(function () {
  "use strict";
  function newKey() {
    return (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID()
      : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  Array.prototype.forEach.call(document.querySelectorAll(".replay-products"), function (list) {
    var L = list.dataset;
    var card = list.closest(".replay");
    function listOrder(order) {
      // The buyer's own orders under the replay, as the page lists them after a reload.
      var orders = card.querySelector(".replay-orders");
      if (!orders) { return; }
      var li = document.createElement("li");
      li.className = "status-" + order.status;
      li.dataset.order = String(order.id);
      var what = document.createElement("span");
      what.textContent = order.quantity + " × " + order.product_name + " · " +
        order.amount + " " + order.currency;
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = L.lPending;
      li.appendChild(what);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(tag);
      orders.appendChild(li);
      var empty = card.querySelector(".replay-orders-empty");
      if (empty) { empty.hidden = true; }
    }
    Array.prototype.forEach.call(list.querySelectorAll(".replay-order-form"), function (form) {
      var key = null;   // kept until an answer comes, so a retry is the same order
      var status = form.querySelector(".replay-order-status");
      var button = form.querySelector("button");
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        if (!key) { key = newKey(); }
        button.disabled = true;
        fetch(L.orderUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRF-Token": L.csrf
          },
          body: JSON.stringify({
            product: Number(form.dataset.product),
            quantity: form.elements.quantity.value.trim(),
            client_key: key
          })
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            button.disabled = false;
            if (response.ok && body.ok) {
              key = null;
              status.textContent = L.lOrdered;
              status.dataset.order = String(body.order.id);
              if (!body.duplicate) { listOrder(body.order); }
            } else if (response.status >= 400 && response.status < 500) {
              key = null;   // refused: a new attempt is a new order
              status.textContent = (body.error && body.error.message) || body.message || L.lFailed;
            } else {
              status.textContent = L.lFailed;
            }
          });
        }, function () {
          button.disabled = false;
          status.textContent = L.lFailed;   // no answer: the retry sends the same key
        });
      });
    });
  });
})();
