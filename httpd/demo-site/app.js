// The demo page's live answer: what the server saw of this very
// connection, from the diagnostic page's JSON form (--diagnostics). Plain
// DOM, no framework, nothing from elsewhere: the page's
// Content-Security-Policy allows scripts and requests to this site only,
// and every value goes in as text, never as HTML.
"use strict";

const DIAG = "/.well-known/socket-activate";

function show(id, text) {
  document.getElementById(id).textContent = text;
}

// "127.0.0.1:8080", "[::1]:8080" -> { host, port }; IPv4-mapped IPv6
// ("::ffff:127.0.0.1", a dual-stack socket's view of an IPv4 client) as
// the IPv4 address a browser dials.
function splitAddress(a) {
  const m = /^\[(.*)\]:(\d+)$/.exec(a) || /^([^:]*):(\d+)$/.exec(a);
  if (!m) return null;
  return { host: m[1].replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1"), port: m[2] };
}

function isLoopback(host) {
  return host === "::1" || /^127\./.test(host);
}

function isIpLiteral(host) {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":");
}

// Whether the address the server saw is the browser's own. A browser
// cannot learn its own source address, but it knows where it connected
// to: if the server's end of the connection is exactly that address,
// nothing stood between them, and the client address is the browser's.
function verdict(d) {
  const dialedHost = location.hostname.replace(/^\[(.*)\]$/, "$1");
  const dialedPort = location.port || (location.protocol === "https:" ? "443" : "80");
  const dialed = `${location.hostname}:${dialedPort}`;
  const server = splitAddress(d.server_address);
  if (!server || (d.socket.family !== "IPv4" && d.socket.family !== "IPv6")) {
    return ["replaced", "replaced by a proxy",
      `Your browser connected to ${dialed}, but the server answered on ` +
      `${d.server_address} (${d.socket.family}): something in between ` +
      "carried the connection there, and the address above is its own."];
  }
  const sameEnd = server.port === dialedPort &&
    (server.host === dialedHost ||
     (dialedHost === "localhost" && isLoopback(server.host)));
  if (sameEnd) {
    return ["preserved", "preserved",
      `Your browser connected to ${dialed}, and that is the server's own ` +
      "end of this connection: nothing stood in between, so this is your " +
      "address, as every log line of the server records it."];
  }
  if (isIpLiteral(dialedHost) || dialedHost === "localhost") {
    return ["replaced", "replaced by a proxy",
      `Your browser connected to ${dialed}, but the server's end of this ` +
      `connection is ${d.server_address}: a proxy, NAT or port forwarder ` +
      "carried it, and the address above is usually the forwarder's, not yours."];
  }
  return ["unknown", "cannot tell from the browser",
    `Your browser connected to ${location.hostname}, and the server's end ` +
    `of this connection is ${d.server_address}. If that name resolves to ` +
    "that address, nothing stood in between and the address above is yours; " +
    "compare it with your own."];
}

function where(d) {
  const ifs = d.network_interfaces;
  const ifText = ifs ? ifs.join(", ") : "unknown";
  const c = d.container;
  if (!c.detected) {
    return ["This page came from a socket-activated server on the host",
      "The server finds no sign of a container (no /run/.containerenv, no " +
      "/.dockerenv, no container= in its environment): it runs on the host, " +
      `with the network interfaces ${ifText}.`,
      "on the host, as far as it can tell"];
  }
  const signs = [];
  if (c.containerenv) signs.push("/run/.containerenv");
  if (c.dockerenv) signs.push("/.dockerenv");
  if (c.variable !== null) signs.push(`container=${c.variable}`);
  const runs = `in a container (${signs.join(", ")})`;
  if (ifs && ifs.length === 1 && ifs[0] === "lo") {
    return ["This page came from a container that has no network",
      `The server runs ${runs} whose only network interface is lo: it ` +
      "cannot open a connection to anything. Your request reached it " +
      "anyway, on the socket systemd made outside the container.",
      runs];
  }
  return ["This page came from a server in a container",
    `The server runs ${runs}, with the network interfaces ${ifText}. ` +
    "Your request reached it on the socket systemd made and handed in.",
    runs];
}

function render(d) {
  const [kind, word, why] = verdict(d);
  show("client-address", d.client.address);
  const v = document.getElementById("verdict");
  v.textContent = word;
  v.className = `verdict-${kind}`;
  show("verdict-why", why);
  show("family", d.socket.family);
  show("fd-name", d.socket.fd_name);
  show("socket", d.socket.description);
  const [headline, text, runs] = where(d);
  show("headline", headline);
  show("where", text);
  show("runs-in", runs);
  show("interfaces", d.network_interfaces ? d.network_interfaces.join(", ") : "unknown");
  document.getElementById("live").hidden = false;
  // It is on: the note on how to turn it on would only distract.
  document.getElementById("diag-note").hidden = true;
  document.body.dataset.state = "live";
}

function off(text) {
  const p = document.getElementById("diag-off");
  p.textContent = text;
  p.hidden = false;
  document.body.dataset.state = "off";
}

fetch(DIAG, { headers: { Accept: "application/json" }, cache: "no-store" })
  .then((r) => {
    if (r.status === 404) {
      off("The live answer needs the diagnostic page, and this server runs " +
        "without --diagnostics (make demo and the socket-activate-httpd-demo " +
        "image turn it on).");
      return null;
    }
    if (!r.ok) throw new Error(`${DIAG} answered ${r.status}`);
    return r.json();
  })
  .then((d) => { if (d) render(d); })
  .catch((e) => off(`The diagnostic page could not be read: ${e.message}`));
