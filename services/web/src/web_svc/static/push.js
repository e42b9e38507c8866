/* Web Push for the client portal: one file in two roles, because Web Push needs a service
   worker. Registered as the service worker (/my/push.js, scope /my), it shows what the
   notifications service pushes ({title, body, message_id, client_id}) and opens the message in the
   portal when the notification is clicked. In the preferences page, its button registers
   the worker, asks for permission, subscribes and posts the subscription to the server. */
"use strict";

if (typeof window === "undefined") {
  const id = (value) => /^[0-9a-f-]{36}$/.test(String(value || ""));
  // the inbox of the family member the message was for, at the message
  const page = (data) =>
    id(data.message_id)
      ? `/my/messages${id(data.client_id) ? `?client=${data.client_id}` : ""}#m-${data.message_id}`
      : "/my";

  self.addEventListener("push", (event) => {
    let data = {};
    try {
      data = event.data ? event.data.json() : {};
    } catch (error) {
      data = { body: event.data.text() };
    }
    const shown = self.registration.showNotification(String(data.title || ""), {
      body: String(data.body || ""),
      tag: String(data.message_id || ""),
      data: { url: page(data) },
    });
    event.waitUntil(shown);
  });

  self.addEventListener("notificationclick", (event) => {
    event.notification.close();
    const url = new URL(event.notification.data.url || "/my", self.location.origin).href;
    const opened = self.clients
      .matchAll({ type: "window", includeUncontrolled: true })
      .then((open) => {
        const same = open.find((client) => client.url === url);
        return same ? same.focus() : self.clients.openWindow(url);
      });
    event.waitUntil(opened);
  });
} else {
  const box = document.getElementById("push");
  const button = document.getElementById("push-on");
  const result = document.getElementById("push-result");
  const say = (what, more) => {
    result.textContent = result.dataset[what] + (more ? ` ${more}` : "");
  };
  const key = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

  async function turnOn() {
    await navigator.serviceWorker.register("/my/push.js", { scope: "/my" });
    if ((await Notification.requestPermission()) !== "granted") {
      return say("denied");
    }
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key(box.dataset.key),
    });
    const form = new FormData();
    form.append("csrf_token", box.dataset.csrf);
    form.append("subscription", JSON.stringify(subscription));
    const answer = await fetch(box.dataset.action, { method: "POST", body: form });
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({}));
      return say("failed", problem.detail);
    }
    window.location.assign(answer.url);
  }

  if (box && button) {
    box.querySelector(".needs-script").hidden = true;
    if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
      say("unsupported");
    } else if (Notification.permission === "denied") {
      say("denied");
    } else {
      button.hidden = false;
      button.addEventListener("click", () => {
        button.disabled = true;
        turnOn()
          .catch(() => say("failed"))
          .finally(() => {
            button.disabled = false;
          });
      });
    }
  }
}
