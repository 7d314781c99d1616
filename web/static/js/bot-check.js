/* The bot check of a form (web/bot_checks.py): finds the number of the form's ALTCHA
 * challenge with WebCrypto's SHA-256 and puts the solution, ALTCHA's base64 JSON payload,
 * in the form's hidden "altcha" input.
 *
 * The work starts when the page loads. A citizen who sends the form before it is done
 * waits for it (the status line says so to screen readers); one who took longer than a
 * challenge lives gets a fresh challenge first. Without WebCrypto (an old browser, a page
 * not served over HTTPS) the input stays empty, and the server answers with its waiting
 * page instead: nothing here is needed to send a form.
 */
(function () {
  "use strict";

  var subtle = window.crypto && window.crypto.subtle;
  if (!subtle || !window.TextEncoder || !window.fetch || !window.Promise) {
    return;
  }
  var encoder = new TextEncoder();
  // Digests asked for at once: WebCrypto answers each asynchronously, so a batch keeps it busy.
  var BATCH = 256;
  // A solution this close to its expiry is replaced before the form is sent.
  var MARGIN_MS = 20000;

  function toBytes(hex) {
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return bytes;
  }

  function same(buffer, expected) {
    var bytes = new Uint8Array(buffer);
    if (bytes.length !== expected.length) {
      return false;
    }
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== expected[i]) {
        return false;
      }
    }
    return true;
  }

  function solve(challenge) {
    var expected = toBytes(challenge.challenge);
    var started = Date.now();

    function batch(start) {
      if (start > challenge.maxNumber) {
        return Promise.reject(new Error("no solution"));
      }
      var end = Math.min(start + BATCH - 1, challenge.maxNumber);
      var digests = [];
      for (var n = start; n <= end; n++) {
        digests.push(subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      return Promise.all(digests).then(function (results) {
        for (var i = 0; i < results.length; i++) {
          if (same(results[i], expected)) {
            return btoa(JSON.stringify({
              algorithm: challenge.algorithm,
              challenge: challenge.challenge,
              number: start + i,
              salt: challenge.salt,
              signature: challenge.signature,
              took: Date.now() - started
            }));
          }
        }
        return batch(end + 1);
      });
    }

    return batch(0);
  }

  function setUp(box) {
    var form = box.closest("form");
    var input = box.querySelector("input[name=altcha]");
    var status = box.querySelector("[role=status]");
    if (!form || !input) {
      return;
    }
    var lifetime = (parseInt(box.getAttribute("data-lifetime"), 10) || 300) * 1000;
    var expires = 0;
    var pending = null;
    // "idle"; "waiting" for the solution after a click; "go" once it is there; "sent".
    var state = "idle";

    function start(challenge) {
      var received = Date.now();
      input.value = "";
      box.setAttribute("data-state", "working");
      pending = solve(challenge).then(function (payload) {
        input.value = payload;
        expires = received + lifetime;
        box.setAttribute("data-state", "solved");
      }, function (error) {
        box.setAttribute("data-state", "failed");
        throw error;
      });
      return pending;
    }

    function fresh() {
      return fetch(box.getAttribute("data-refresh"), { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("no challenge");
          }
          return response.json();
        })
        .then(start);
    }

    function solved() {
      return Boolean(input.value) && Date.now() < expires - MARGIN_MS;
    }

    function ready() {
      var first = pending && !input.value ? pending.catch(function () {}) : Promise.resolve();
      return first.then(function () {
        return solved() ? null : fresh();
      });
    }

    function send(submitter) {
      if (form.requestSubmit) {
        form.requestSubmit(submitter);
        return;
      }
      if (submitter && submitter.name) {
        var copy = document.createElement("input");
        copy.type = "hidden";
        copy.name = submitter.name;
        copy.value = submitter.value;
        form.appendChild(copy);
      }
      state = "sent";
      form.submit();
    }

    try {
      start(JSON.parse(box.getAttribute("data-challenge"))).catch(function () {});
    } catch (error) {
      box.setAttribute("data-state", "failed");
    }

    form.addEventListener("submit", function (event) {
      if (state === "waiting" || state === "sent") {
        // A second click would send the form, and spend its solution, twice.
        event.preventDefault();
        return;
      }
      if (state === "go" || solved()) {
        state = "sent";
        return;
      }
      event.preventDefault();
      state = "waiting";
      var submitter = event.submitter || null;
      if (status) {
        status.textContent = box.getAttribute("data-working") || "";
      }
      ready()
        .catch(function () {
          input.value = ""; // the server's waiting page takes over
        })
        .then(function () {
          state = "go";
          send(submitter);
        });
    });

    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        // Back from the next page: the solution has served, the next send needs another.
        state = "idle";
        input.value = "";
        expires = 0;
        pending = null;
      }
    });
  }

  function setUpAll() {
    var boxes = document.querySelectorAll("[data-bot-check]");
    for (var i = 0; i < boxes.length; i++) {
      setUp(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
