// Vigie webhook media type for Zabbix (5.4 and later): paste this script into
// Alerts → Media types → Create media type → Type "Webhook" → Script.
// It sends problem, update and recovery events of Zabbix to Vigie's /intake/zabbix/ endpoint.
// Parameters (name: value) are listed in docs/monitoring/intake.md (section "zabbix").
var Vigie = {
    // A macro that Zabbix could not expand arrives as its own name, e.g. "{EVENT.UPDATE.ACTION}".
    isMacro: function (text) {
        return typeof text === 'string' && /^\{[A-Z0-9_.#$]+\}$/.test(text);
    },

    text: function (params, name) {
        var text = params[name];
        if (text === undefined || text === null || Vigie.isMacro(text)) {
            return '';
        }
        return String(text);
    },

    // Unix seconds ({EVENT.TIMESTAMP} and the like) or null when Zabbix has none.
    seconds: function (params, name) {
        var text = Vigie.text(params, name);
        return /^[0-9]+$/.test(text) ? parseInt(text, 10) : null;
    },

    // {EVENT.TAGSJSON}: [{"tag": "scope", "value": "availability"}, ...]
    tags: function (params) {
        var text = Vigie.text(params, 'tags');
        if (text === '') {
            return [];
        }
        try {
            var tags = JSON.parse(text);
            return Array.isArray(tags) ? tags : [];
        }
        catch (error) {
            Zabbix.log(4, '[ Vigie webhook ] tags are not JSON: ' + text);
            return [];
        }
    },

    payload: function (params) {
        return {
            event_id: Vigie.text(params, 'event_id'),
            event_value: Vigie.text(params, 'event_value'),
            event_update: Vigie.text(params, 'event_update') || '0',
            event_time: Vigie.seconds(params, 'event_time'),
            recovery_time: Vigie.seconds(params, 'recovery_time'),
            update_time: Vigie.seconds(params, 'update_time'),
            severity: Vigie.text(params, 'severity'),
            nseverity: Vigie.text(params, 'nseverity'),
            host: Vigie.text(params, 'host'),
            host_name: Vigie.text(params, 'host_name'),
            trigger_name: Vigie.text(params, 'trigger_name'),
            event_name: Vigie.text(params, 'event_name'),
            trigger_description: Vigie.text(params, 'trigger_description'),
            opdata: Vigie.text(params, 'opdata'),
            update_action: Vigie.text(params, 'update_action'),
            update_message: Vigie.text(params, 'update_message'),
            update_user: Vigie.text(params, 'update_user'),
            url: Vigie.text(params, 'url'),
            tags: Vigie.tags(params)
        };
    },

    send: function (params, payload) {
        var url = Vigie.text(params, 'vigie_url');
        var token = Vigie.text(params, 'vigie_token');
        if (url === '' || token === '') {
            throw 'the vigie_url and vigie_token parameters are required';
        }
        var request = new HttpRequest();
        if (Vigie.text(params, 'http_proxy') !== '') {
            request.setProxy(Vigie.text(params, 'http_proxy'));
        }
        request.addHeader('Content-Type: application/json');
        request.addHeader('Authorization: Bearer ' + token);
        var body = JSON.stringify(payload);
        Zabbix.log(4, '[ Vigie webhook ] sending event ' + payload.event_id + ' to ' + url);
        var response = request.post(url, body);
        var status = request.getStatus();
        if (status < 200 || status >= 300) {
            throw 'Vigie answered HTTP ' + status + ': ' + response;
        }
        return response;
    }
};

try {
    var params = JSON.parse(value);
    Vigie.send(params, Vigie.payload(params));
    return 'OK';
}
catch (error) {
    Zabbix.log(3, '[ Vigie webhook ] sending failed: ' + error);
    throw 'Sending to Vigie failed: ' + error;
}
