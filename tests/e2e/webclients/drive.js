// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drives Debian's Chromium (playwright-core, no browser download) through the stand-in web
 * clients of client.html, one browser launch for every case:
 *
 *   node drive.js SERVER_IP CASES.json
 *
 * CASES.json: [{"origin": "web.whatsapp.com", "files": ["/path/a.pdf", ...], "which": 0,
 *               "form": false, "pause_ms": 1500}, ...]. For each case a new tab opens
 * https://ORIGIN/, the files are put in its file input as a user picking them would, and the page
 * uploads file number `which` as the service does (or submits its form). Every service name goes
 * to SERVER_IP (--host-resolver-rules), so the TLS server name is the real service's. Prints one
 * line per case ("case N ok"); exits 1 at the first failure. CHROMIUM_ARGS (space-separated)
 * adds arguments to Chromium's (recording QUIC Initials: --origin-to-force-quic-on...).
 */
"use strict";
const fs = require("fs");
const { chromium } = require("playwright-core");

async function main() {
	const [ip, casesFile] = process.argv.slice(2);
	const cases = JSON.parse(fs.readFileSync(casesFile, "utf8"));
	const browser = await chromium.launch({
		executablePath : process.env.CHROMIUM || "/usr/bin/chromium",
		args : [
			"--no-sandbox", "--ignore-certificate-errors",
			`--host-resolver-rules=MAP * ${ip}`,
			...(process.env.CHROMIUM_ARGS || "").split(" ").filter((a) => a)
		],
	});
	const context = await browser.newContext({ ignoreHTTPSErrors: true });
	try {
		for (let i = 0; i < cases.length; i++) {
			const c = cases[i];
			const page = await context.newPage();
			await page.goto(`https://${c.origin}/`);
			await page.setInputFiles("#f", c.files);
			if (c.form) {
				await Promise.all([page.waitForNavigation(),
						   page.evaluate(() => document.getElementById("form").submit())]);
			} else {
				const r = await page.evaluate((which) => run(which), c.which || 0);
				if (r !== "ok")
					throw new Error(`case ${i}: ${r}`);
			}
			await page.close();
			console.log(`case ${i} ok`);
			await new Promise((done) => setTimeout(done, c.pause_ms ?? 1500));
		}
	} finally {
		await browser.close();
	}
}

main().catch((e) => {
	console.error(`drive.js: ${e.stack || e}`);
	process.exit(1);
});
