// The public passport as a person sees it, in Debian's Chromium: on a phone and on a desktop,
// with axe-core finding no accessibility violation, nothing loaded from another origin, no
// sideways scrolling on the phone, and the plan's PDF downloaded by clicking its link.
// Screenshots go to the folder given (docs/screenshots in the repository).
//
//   CARBONPASS_URL=… CARBONPASS_KEY=… node .ci/browser/passport.mjs OUT_DIR
//
// The key is the demo company's owner key: it is given a confirmed bill in the last ended
// period and a published plan first, if its passport has none.

import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [base, key, out] = [process.env.CARBONPASS_URL, process.env.CARBONPASS_KEY, process.argv[2]];
if (!base || !key || !out) throw new Error("usage: CARBONPASS_URL=… CARBONPASS_KEY=… node passport.mjs OUT_DIR");
mkdirSync(out, { recursive: true });

async function api(method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...headers },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const json = (method, path, value) =>
  api(method, path, JSON.stringify(value), { "Content-Type": "application/json" });

// The last reporting period that has ended, for the demo company's April start.
const today = new Date();
const endYear = today.getUTCMonth() >= 3 ? today.getUTCFullYear() : today.getUTCFullYear() - 1;
const start = `${endYear - 1}-04-01`;
const label = `${endYear - 1}-${String(endYear % 100).padStart(2, "0")}`;

async function ensureData() {
  const company = (await api("GET", "/api/v1/company")).data;
  await json("PATCH", "/api/v1/company", { passportActivated: true });
  const passport = await (await fetch(company.passportUrl + ".json")).json();
  if (!passport.reportingPeriod) {
    const form = new FormData();
    form.append("file", new Blob([`%PDF-1.4\n% browser check ${Date.now()}\n%%EOF\n`], { type: "application/pdf" }), "bill.pdf");
    form.append("type", "electricity");
    form.append("siteId", company.sites[0].id);
    const bill = (await api("POST", "/api/v1/bills", form)).data;
    await json("POST", `/api/v1/bills/${bill.id}/confirm`, {
      consumption: "12500", unit: "kWh", periodStart: start, periodEnd: `${endYear - 1}-04-30`, allowOverlap: true,
    });
  }
  if (!passport.carbonReductionPlan || passport.carbonReductionPlan.reportingPeriod !== label) {
    const statement = (category, reason) => ({ category, status: "not_applicable", reason });
    await json("PUT", "/api/v1/crp-inputs", {
      organisation: { registeredAddress: "1 High Street, Birmingham B1 1AA", companyNumber: "01234567" },
      baselinePeriod: `${endYear - 2}-${String((endYear - 1) % 100).padStart(2, "0")}`,
      baselineEmissions: { scope1: 10, scope2: "20.5", scope3: 0, source: "A footprint by Green Ltd" },
      netZeroYear: 2045,
      interimTarget: { year: endYear + 3, reductionPercent: 42.5 },
      projects: [{ title: "LED lighting", description: "All sites", status: "completed", year: endYear - 1, estimatedSavingTco2e: 12.5 }],
      measures: [{ title: "ISO 14001 certification" }],
      scope3Statements: [
        statement(4, "Suppliers deliver at their cost."),
        statement(5, "Solid waste goes with the landlord's collection."),
        statement(6, "No business travel."),
        statement(7, "Staff live on site."),
        statement(9, "Customers collect."),
      ],
      declaration: { signatoryName: "Ada Lovelace", signatoryRole: "Director", signedOn: today.toISOString().slice(0, 10) },
    });
    const plan = (await json("POST", "/api/v1/crp", { fyYear: String(endYear) })).data;
    await api("POST", `/api/v1/crp/${plan.id}/publish`);
  }
  return company;
}

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const company = await ensureData();
const pageUrl = company.passportUrl;
const origin = new URL(pageUrl).origin;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  for (const [name, options] of [
    ["phone", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
    ["desktop", { viewport: { width: 1280, height: 900 } }],
  ]) {
    // axe-core is put into the page by the test; the page's own policy allows no script at all.
    const context = await browser.newContext({ ...options, bypassCSP: true, acceptDownloads: true });
    const page = await context.newPage();
    const elsewhere = [];
    page.on("request", (request) => {
      if (new URL(request.url()).origin !== origin) elsewhere.push(request.url());
    });
    const response = await page.goto(pageUrl, { waitUntil: "load" });
    check(response.status() === 200, `${name}: the page answers 200`);
    check((await page.textContent("h1")) === company.name, `${name}: the heading is the company's name`);
    check(await page.isVisible("table >> text=Scope 1"), `${name}: the scopes are shown`);
    check(elsewhere.length === 0, `${name}: nothing loaded from another origin ${elsewhere.join(" ")}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `${name}: no sideways scrolling (${overflow}px over)`);
    await page.addScriptTag({ content: axeSource });
    const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    for (const violation of results.violations) {
      console.log(`  ${violation.id} (${violation.impact}): ${violation.help}`);
      for (const node of violation.nodes) console.log(`    ${node.target.join(" ")}`);
    }
    check(results.violations.length === 0, `${name}: axe-core finds no accessibility violation`);
    await page.screenshot({ path: `${out}/passport-${name}.png`, fullPage: true });

    // The plan, opened as a person opens it: by its link. Chromium either downloads it or
    // shows it; either way its bytes are what the link answered.
    const answered = page.waitForResponse((r) => r.url().endsWith("/plan.pdf"), { timeout: 15000 });
    const downloaded = page.waitForEvent("download", { timeout: 15000 }).catch(() => null);
    await page.click("a.download");
    const res = await answered;
    check(res.status() === 200 && res.headers()["content-type"] === "application/pdf", `${name}: the link answers a PDF`);
    const download = await Promise.race([downloaded, new Promise((resolve) => setTimeout(() => resolve(null), 2000))]);
    const pdf = download ? readFileSync(await download.path()) : Buffer.from(await (await page.request.get(res.url())).body());
    check(pdf.subarray(0, 5).toString() === "%PDF-", `${name}: the plan's link gives its PDF (${pdf.length} bytes)`);
    if (name === "desktop") writeFileSync(`${out}/passport-plan.pdf`, pdf);
    await context.close();
  }
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(`${failures.length} check(s) failed`);
  process.exit(1);
}
