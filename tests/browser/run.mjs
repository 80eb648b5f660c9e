// The browser test of Communs' pages: Debian's Chromium, driven by playwright-core, goes
// through what an official does (search, open a software, filter, switch language, read the
// dashboards), runs axe-core on every kind of page and saves screenshots at 1280 and 375 px.
//
//   COMMUNS_URL=http://127.0.0.1:PORT SCREENSHOTS=target/screenshots node run.mjs
//
// Exits 1 at the first failure, with what was expected and what was found.
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const base = (process.env.COMMUNS_URL || "").replace(/\/$/, "");
const issuer = (process.env.OIDC_ISSUER || "").replace(/\/$/, "");
const shots = process.env.SCREENSHOTS || "screenshots";
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const STEP_MS = 15000;
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
let passed = 0;

class Failure extends Error {}

function ok(step) {
  passed += 1;
  console.log(`ok ${step}`);
}

function expect(step, condition, expected, found) {
  if (!condition) throw new Failure(`FAIL ${step}: expected ${expected} / found ${found}`);
  ok(step);
}

async function open(page, path, step) {
  const response = await page.goto(base + path, { waitUntil: "load", timeout: STEP_MS });
  expect(`${step}: GET ${path}`, response && response.status() === 200, "HTTP 200", response && response.status());
  await checkCommon(page, step);
}

/** What every page has: its language, a skip link, a main landmark, one h1. */
async function checkCommon(page, step) {
  const lang = await page.getAttribute("html", "lang");
  expect(`${step}: html lang`, lang === "fr" || lang === "en", "fr or en", lang);
  const skip = await page.locator('a.skip-link[href="#main"]').count();
  const main = await page.locator("main#main").count();
  const h1 = await page.locator("h1").count();
  expect(`${step}: skip link, main, one h1`, skip === 1 && main === 1 && h1 === 1, "1, 1, 1", `${skip}, ${main}, ${h1}`);
}

function digits(text) {
  const n = (text || "").replace(/[^0-9]/g, "");
  return n === "" ? NaN : Number(n);
}

async function axe(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  const violations = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(`axe on ${name}`, violations.length === 0, "no violation", "\n  " + violations.join("\n  "));
}

async function screenshots(context, name, path) {
  for (const width of [1280, 375]) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    const response = await page.goto(base + path, { waitUntil: "load", timeout: STEP_MS });
    expect(`${name} at ${width} px: GET`, response && response.status() === 200, "HTTP 200", response && response.status());
    await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true, timeout: STEP_MS });
    if (width === 375) {
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(`${name} at 375 px: no horizontal scrolling`, scroll <= 376, "scrollWidth <= 376", scroll);
      // No element, and so no table cell, reaches past the screen's edges.
      const cut = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.querySelectorAll("body *")) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.height > 0 && (r.right > w + 1 || r.left < -1)) {
            out.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className : ""} (${Math.round(r.left)}-${Math.round(r.right)})`);
            if (out.length >= 5) break;
          }
        }
        return out;
      });
      expect(`${name} at 375 px: nothing cut at the edges`, cut.length === 0, "none", cut.join(", "));
      // Text inside charts shrinks with them: what shows is 12 px or more.
      const small = await page.evaluate(() => {
        const out = [];
        for (const svg of document.querySelectorAll("svg[viewBox]")) {
          const box = svg.getBoundingClientRect();
          if (box.width === 0 || !svg.viewBox.baseVal || svg.viewBox.baseVal.width === 0) continue;
          const scale = box.width / svg.viewBox.baseVal.width;
          for (const t of svg.querySelectorAll("text")) {
            const size = parseFloat(getComputedStyle(t).fontSize) * scale;
            if (size < 11.95) {
              out.push(`${svg.getAttribute("aria-labelledby") || "svg"}: ${size.toFixed(1)} px`);
              break;
            }
          }
        }
        return out;
      });
      expect(`${name} at 375 px: chart text 12 px or more`, small.length === 0, "none", small.join(", "));
      await axe(page, `${name} at 375 px`);
    }
    await page.close();
  }
}

async function scenario(context) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const cspErrors = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });

  // a. An official types "cimetiere" on the home page and opens the first result.
  await open(page, "/", "home");
  await page.fill("input#q", "cimetiere");
  await Promise.all([page.waitForURL(/\/search\?/, { timeout: STEP_MS }), page.press("input#q", "Enter")]);
  await checkCommon(page, "search");
  const hits = await page.locator("ol#results > li").count();
  expect("search for cimetiere has results", hits >= 1, ">= 1 result", hits);
  await Promise.all([page.waitForURL(/\/software\//, { timeout: STEP_MS }), page.locator("a.result-link").first().click()]);
  await checkCommon(page, "software");
  const softwarePath = new URL(page.url()).pathname;
  const adopters = await page.locator('section#adopters a[href^="/organisations/"]').count();
  expect("software page lists adopters", adopters >= 1, ">= 1 organisation link", adopters);
  const ledger = await page.locator("section#funding table.ledger tbody tr").count();
  expect("software page shows the funding ledger", ledger >= 1, ">= 1 ledger row", ledger);
  const health = (await page.locator("section#health").innerText()).trim();
  expect("software page shows the health card", /\d+\s*\/\s*100/.test(health), "a score out of 100", health.slice(0, 80));
  const organisationPath = await page.locator('section#adopters a[href^="/organisations/"]').first().getAttribute("href");

  // b. A facet narrows the search, and the URL keeps the state.
  await open(page, "/search", "all software");
  const total = digits(await page.locator("#result-count").innerText());
  const links = page.locator("a.facet-link");
  let chosen = null;
  for (let i = 0; i < (await links.count()); i++) {
    const count = digits(await links.nth(i).locator("span.count").innerText());
    if (count < total) {
      chosen = { i, count, facet: await links.nth(i).getAttribute("data-facet"), value: await links.nth(i).getAttribute("data-value") };
      break;
    }
  }
  expect("a facet narrows the results", chosen !== null, `a facet count below ${total}`, "none");
  await Promise.all([page.waitForURL(/\/search\?/, { timeout: STEP_MS }), links.nth(chosen.i).click()]);
  const narrowed = digits(await page.locator("#result-count").innerText());
  expect("the count follows the facet", narrowed === chosen.count, chosen.count, narrowed);
  const params = new URL(page.url()).searchParams;
  expect("the URL holds the filter", params.get(chosen.facet) === chosen.value, `${chosen.facet}=${chosen.value}`, page.url());

  // c. English and back, on the same page.
  await open(page, softwarePath, "software again");
  const first = await page.getAttribute("html", "lang");
  expect("a French reader gets French", first === "fr", "fr", first);
  for (const lang of ["en", "fr"]) {
    await Promise.all([page.waitForLoadState("load"), page.click("a#language-switch")]);
    await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: STEP_MS });
    expect(`switched to ${lang} on the same page`, new URL(page.url()).pathname === softwarePath, softwarePath, page.url());
  }

  // d. Both dashboards: each chart is an SVG with its table.
  for (const path of ["/dashboards/adoption", "/dashboards/funding"]) {
    await open(page, path, path);
    const figures = page.locator("figure.chart");
    const n = await figures.count();
    expect(`${path} has charts`, n >= 2, ">= 2 figure.chart", n);
    for (let i = 0; i < n; i++) {
      const svg = await figures.nth(i).locator('svg[role="img"]').count();
      const th = await figures.nth(i).locator("table th").count();
      const rows = await figures.nth(i).locator("table tbody tr").count();
      expect(`${path} chart ${i + 1} has an SVG and a table`, svg >= 1 && th >= 1 && rows >= 1, "svg, th, rows", `${svg}, ${th}, ${rows}`);
    }
  }

  // e. axe-core on every kind of page; f. screenshots at both widths.
  const pages = {
    home: "/",
    search: "/search?q=cimetiere",
    software: softwarePath,
    organisation: organisationPath,
    "dashboard-adoption": "/dashboards/adoption",
    "dashboard-funding": "/dashboards/funding",
    roadmaps: "/roadmaps",
    about: "/about",
    api: "/api",
    adopters: "/software/opencimetiere/adopters?near=alise-sainte-reine",
    tender: "/tender?need=cimeti%C3%A8re&for=alise-sainte-reine",
    "tender-form": "/tender",
    "provider": "/organisations/adico",
  };
  for (const [name, path] of Object.entries(pages)) {
    await open(page, path, name);
    await axe(page, name);
    await screenshots(context, name, path);
  }
  await signIn(context, page);
  await contribute(context, page);
  await askTheAdopters(context, page);
  await page.goto(base + softwarePath, { waitUntil: "load", timeout: STEP_MS });
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: join(shots, "software-print.png"), fullPage: true, timeout: STEP_MS });
  ok("software page in print");
  expect("no Content-Security-Policy violation", cspErrors.length === 0, "none", cspErrors.join(" | "));
}

/** g. An official signs in with the OpenID Connect provider, asks to join her commune and
 * signs out; the demo maintainer signs in with a click and manages his association's people. */
async function signIn(context, page) {
  await open(page, "/login", "login");
  await axe(page, "login");
  await screenshots(context, "login", "/login");
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(issuer), { timeout: STEP_MS }),
    page.click('a[href^="/login/test"]'),
  ]);
  ok("the login goes to the provider");
  await page.fill('input[name="login"]', "agent@yverdon-les-bains.ch");
  await page.fill('input[name="password"]', "any");
  // The provider's login form, then its consent form, then back to the site.
  for (let i = 0; i < 4 && !page.url().startsWith(base); i++) {
    const before = page.url();
    await Promise.all([
      page.waitForURL((u) => u.href !== before, { timeout: STEP_MS, waitUntil: "load" }),
      page.click('button[type="submit"]'),
    ]);
  }
  await page.waitForURL(base + "/account", { timeout: STEP_MS });
  await checkCommon(page, "account");
  const who = await page.locator("main").innerText();
  expect("the account shows the provider's address", who.includes("agent@yverdon-les-bains.ch"), "agent@yverdon-les-bains.ch", who.slice(0, 120));
  await axe(page, "account");
  await screenshots(context, "account", "/account");

  await page.fill("#join-organisation", "yverdon-les-bains");
  await Promise.all([page.waitForLoadState("load"), page.click('form[action="/account/requests"] button[type="submit"]')]);
  const notice = await page.locator("p.notice").innerText();
  expect("the request to join waits for an admin", /attend/.test(notice), "a waiting request", notice);

  await Promise.all([page.waitForLoadState("load"), page.click('form[action="/logout"] button')]);
  const out = await page.locator("p.notice").innerText();
  expect("signed out", /déconnecté/.test(out), "signed out", out);
  const providerLogout = await page.locator("a#provider-logout").getAttribute("href");
  expect("the provider's logout is offered", (providerLogout || "").startsWith(issuer), issuer, providerLogout);

  const demo = page.locator('form[action="/login/demo"]').filter({ has: page.locator('input[value="demo-maintainer"]') });
  await Promise.all([page.waitForURL(base + "/account", { timeout: STEP_MS }), demo.locator("button").click()]);
  await open(page, "/organisations/association-geocity/people", "people");
  const people = await page.locator("main table tbody tr").count();
  expect("the association's admin sees its people", people >= 1, ">= 1 person", people);
  await axe(page, "people");
  await webhooks(page);
}

/** The association's admin subscribes a webhook: refused on this machine, then taken. */
async function webhooks(page) {
  const path = "/organisations/association-geocity/webhooks";
  await open(page, path, "webhooks");
  await axe(page, "webhooks");
  await page.fill("#webhook-url", "http://127.0.0.1:9/hook");
  await page.check("#webhook-kind-adoption");
  await submit(page, path);
  const refusal = await page.locator("#webhook-url-error").innerText();
  expect("an address on this machine is refused", /loopback/.test(refusal), "the reason", refusal);
  await axe(page, "webhook refused");
  await page.fill("#webhook-url", "https://hooks.example.org/communs");
  await submit(page, path);
  const notice = await page.locator("p.notice").innerText();
  expect("the webhook is created", /hooks\.example\.org/.test(notice), "a notice naming it", notice);
  const secret = await page.locator("code.secret").first().textContent();
  expect("its secret is shown to the admin", /^whsec_[0-9a-f]{64}$/.test(secret || ""), "whsec_…", secret);
  await axe(page, "webhook created");
}

/** Signs in as a demo account with a click on the login page. */
async function demoLogin(page, handle) {
  await page.goto(base + "/login", { waitUntil: "load", timeout: STEP_MS });
  if (new URL(page.url()).pathname === "/account") {
    // Someone is signed in: they sign out first.
    await Promise.all([page.waitForLoadState("load"), page.click('form[action="/logout"] button')]);
  }
  const form = page.locator('form[action="/login/demo"]').filter({ has: page.locator(`input[value="${handle}"]`) });
  await Promise.all([page.waitForURL(base + "/account", { timeout: STEP_MS }), form.locator("button").click()]);
  ok(`signed in as ${handle}`);
}

/** Submits the form whose action is `action` and waits for the page it leads to. */
async function submit(page, action) {
  await Promise.all([page.waitForLoadState("load"), page.locator(`form[action="${action}"] button[type="submit"]`).first().click()]);
}

/** The adoptions the dashboard counts in canton de Vaud. */
async function vaudOnDashboard(page) {
  await open(page, "/dashboards/adoption", "adoption dashboard");
  const row = page.locator("tr", { has: page.locator('a[href="/organisations/canton-de-vaud"]') }).first();
  return digits(await row.locator("td.num").textContent());
}

/** h. The demo official of Orbe declares that Orbe pilots GéoCity, with a mistake first; the
 * adoption shows on the software's page, on the adopters of her canton and on the adoption
 * dashboard; the demo maintainer confirms it; she pledges to a roadmap item and its
 * progress moves. */
async function contribute(context, page) {
  const before = await vaudOnDashboard(page);
  await demoLogin(page, "demo-official");
  await open(page, "/software/geocity/adopt", "declare an adoption");
  await axe(page, "declare");
  await screenshots(context, "declare", "/software/geocity/adopt");
  const today = new Date().toISOString().slice(0, 10);
  await page.fill("#adopt-since", "2999-01-01");
  await page.selectOption("#adopt-status", "pilot");
  await page.fill("#adopt-scope", "Demandes de permis de construire");
  await page.fill("#adopt-evidence", "pas une adresse");
  await submit(page, "/software/geocity/adopt");
  const marked = await page.locator('[aria-invalid="true"]').count();
  expect("a refused declaration marks each bad field", marked === 2, "2 fields marked", marked);
  const kept = await page.inputValue("#adopt-scope");
  expect("a refused declaration keeps what was typed", kept === "Demandes de permis de construire", "the scope typed", kept);
  await axe(page, "declare refused");
  await page.fill("#adopt-since", today);
  await page.fill("#adopt-evidence", "https://www.orbe.ch/conseil/preavis-2026-07");
  await submit(page, "/software/geocity/adopt");
  expect("the declaration leads to the adoption", /\/adoptions\/\d+\?done=declared$/.test(page.url()), "/adoptions/N", page.url());
  const adoptionPath = new URL(page.url()).pathname;
  await checkCommon(page, "adoption");
  await axe(page, "adoption");

  await open(page, "/software/geocity", "software after the declaration");
  const listed = await page.locator('section#adopters a[href="/organisations/orbe"]').count();
  expect("the software page lists Orbe", listed >= 1, "a link to Orbe", listed);
  await open(page, "/software/geocity/adopters?territory=canton-de-vaud", "adopters of Vaud");
  const inVaud = await page.locator('main a[href="/organisations/orbe"]').count();
  expect("the adopters of canton de Vaud include Orbe", inVaud >= 1, "a link to Orbe", inVaud);
  const after = await vaudOnDashboard(page);
  expect("the adoption dashboard counts it in Vaud", after === before + 1, before + 1, after);

  await demoLogin(page, "demo-maintainer");
  const waiting = await page.locator(`section[aria-labelledby="to-confirm"] form[action="${adoptionPath}/confirm"]`).count();
  expect("the maintainer's page asks to confirm it", waiting === 1, "1 form", waiting);
  await submit(page, `${adoptionPath}/confirm`);
  const confirmed = await page.locator("p.notice").innerText();
  expect("the maintainer confirms it", /confirmée/.test(confirmed), "confirmed", confirmed);
  await open(page, "/software/geocity", "software after the confirmation");

  await demoLogin(page, "demo-official");
  await open(page, "/software/geocity", "software for its roadmap");
  // An item with a cost and room left to fund.
  const items = page.locator("section#roadmap li.item");
  let itemPath = null;
  for (let i = 0; i < (await items.count()) && itemPath === null; i++) {
    const bar = items.nth(i).locator("progress");
    if ((await bar.count()) === 1 && Number(await bar.getAttribute("value")) < 80) {
      itemPath = await items.nth(i).locator("h3 a").getAttribute("href");
    }
  }
  expect("GéoCity's roadmap has an item to fund", itemPath !== null, "an item under 80 %", itemPath);
  await open(page, itemPath, "roadmap item");
  const progressBefore = Number(await page.getAttribute("progress#progress", "value"));
  await page.fill("#pledge-amount", "15000");
  await submit(page, `${itemPath}/pledges`);
  const pledged = await page.locator("p.notice").innerText();
  expect("the pledge is recorded", /Promesse enregistrée/.test(pledged), "recorded", pledged);
  const progressAfter = Number(await page.getAttribute("progress#progress", "value"));
  expect("the item's progress moves", progressAfter > progressBefore, `more than ${progressBefore}`, progressAfter);
  await axe(page, "roadmap item");
  await screenshots(context, "roadmap-item", itemPath);
  await open(page, "/software/geocity/history", "history");
  await axe(page, "history");
}

/** i. The demo maintainer asks the adopters of GLPI a question; the demo official, who
 * answers questions for Orbe (an adopter), reads it and answers; he reads the answer. */
async function askTheAdopters(context, page) {
  await demoLogin(page, "demo-maintainer");
  await open(page, "/software/glpi/ask", "ask the adopters");
  const orbe = await page.locator('input[name="to"][value="orbe"]').count();
  expect("Orbe can be asked about GLPI", orbe === 1, "a box for Orbe", orbe);
  await axe(page, "ask");
  await screenshots(context, "ask", "/software/glpi/ask");
  await page.fill("#ask-body", "court");
  await submit(page, "/software/glpi/ask");
  const marked = await page.locator('[aria-invalid="true"]').count();
  expect("a refused question marks its words", marked >= 1, ">= 1 field marked", marked);
  for (const box of await page.locator('input[name="to"]').all()) await box.uncheck();
  await page.check('input[name="to"][value="orbe"]');
  await page.fill("#ask-body", "Combien de postes suivez-vous avec GLPI, et qui l’héberge pour vous ?");
  await submit(page, "/software/glpi/ask");
  expect("the question is asked", /\/questions\/\d+\?done=asked$/.test(page.url()), "/questions/N", page.url());
  const questionPath = new URL(page.url()).pathname;
  await axe(page, "question");

  await demoLogin(page, "demo-official");
  await open(page, "/questions", "questions");
  const listed = await page.locator(`main a[href="${questionPath}"]`).count();
  expect("the referent of Orbe sees the question", listed === 1, "a link to it", listed);
  await axe(page, "questions");
  await screenshots(context, "questions", "/questions");
  await open(page, questionPath, "question to answer");
  await page.fill("#answer-body", "Environ 300 postes ; notre service informatique l’héberge.");
  await submit(page, `${questionPath}/answers`);
  const answered = await page.locator("p.notice").innerText();
  expect("the answer is sent", /Réponse envoyée/.test(answered), "sent", answered);
  await axe(page, "question answered");
  await screenshots(context, "question", questionPath);

  await demoLogin(page, "demo-maintainer");
  await open(page, questionPath, "the answer read");
  const answer = await page.locator("ol.answers").innerText();
  expect("the asker reads the answer", answer.includes("300 postes"), "the answer", answer.slice(0, 120));
}

async function main() {
  if (!base) throw new Failure("FAIL setup: COMMUNS_URL is not set");
  mkdirSync(shots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "communs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    // A reader in France: the pages' default language is asked for.
    locale: "fr-FR",
    timeout: STEP_MS,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  context.setDefaultTimeout(STEP_MS);
  try {
    await scenario(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`browser: ${passed} checks passed`);
}

main().catch((e) => {
  console.error(e instanceof Failure ? e.message : `FAIL: ${e.stack || e}`);
  process.exit(1);
});
