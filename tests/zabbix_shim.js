// Runs docs/monitoring/zabbix-media-type.js as Zabbix would: the script is the body of a
// function receiving `value` (the parameters as a JSON string), with Zabbix's `HttpRequest`
// and `Zabbix` objects. HttpRequest is synchronous in Zabbix: here it runs curl.
// Usage: node zabbix_shim.js <script.js> <parameters.json>; prints {"result": ...} or exits 1.
'use strict';
const fs = require('fs');
const childProcess = require('child_process');

function HttpRequest() {
    this.headers = [];
    this.status = 0;
}
HttpRequest.prototype.addHeader = function (header) { this.headers.push(header); };
HttpRequest.prototype.clearHeader = function () { this.headers = []; };
HttpRequest.prototype.setProxy = function (proxy) { this.proxy = proxy; };
HttpRequest.prototype.getStatus = function () { return this.status; };
HttpRequest.prototype.post = function (url, body) {
    const args = ['-sS', '-X', 'POST', '--data-binary', '@-', '-w', '\n%{http_code}', url];
    this.headers.forEach((header) => { args.push('-H', header); });
    const output = childProcess.execFileSync('curl', args, { input: body }).toString();
    const cut = output.lastIndexOf('\n');
    this.status = parseInt(output.slice(cut + 1), 10);
    return output.slice(0, cut);
};

const Zabbix = {
    log: function (level, message) { process.stderr.write('[zabbix ' + level + '] ' + message + '\n'); }
};

const script = fs.readFileSync(process.argv[2], 'utf8');
const parameters = fs.readFileSync(process.argv[3], 'utf8');
try {
    const result = new Function('value', 'HttpRequest', 'Zabbix', script)(parameters, HttpRequest, Zabbix);
    process.stdout.write(JSON.stringify({ result: result }));
} catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error) }));
    process.exit(1);
}
