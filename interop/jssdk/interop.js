// interop.js drives CometChat's official JavaScript SDK (4.2.0) against the emulator, as a user of
// the real service would, and prints one JSON line per step on stdout for jssdk_test.go to check.
//
//   node --experimental-websocket interop.js APP_ID REGION AUTH_KEY HOST:PORT UID PEER_UID
//
// The emulator must serve TLS (the SDK only speaks https and wss); NODE_EXTRA_CA_CERTS trusts it.
require('./shim.js');
const { CometChat } = require('@cometchat/chat-sdk-javascript');

const [appId, region, authKey, host, uid, peer] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));
const within = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error('timed out: ' + what)), ms))]);

(async () => {
  let connected, replied;
  const isConnected = new Promise((r) => { connected = r; });
  const reply = new Promise((r) => { replied = r; });

  const settings = new CometChat.AppSettingsBuilder().setRegion(region)
    .overrideClientHost(host + '/v3.0').overrideAdminHost(host + '/v3.0')
    .autoEstablishSocketConnection(true).build();
  await CometChat.init(appId, settings);
  CometChat.addConnectionListener('interop', new CometChat.ConnectionListener({
    onConnected: () => { out({ event: 'connected' }); connected(); },
  }));
  CometChat.addMessageListener('interop', new CometChat.MessageListener({
    onTextMessageReceived: (m) => {
      out({ event: 'received', text: m.getText(), sender: m.getSender().getUid() });
      replied(m);
    },
  }));

  const me = await CometChat.login(uid, authKey);
  out({ event: 'login', uid: me.getUid() });
  await within(isConnected, 10000, 'the WebSocket');
  await within(globalThis.cometchatAuthenticated, 10000, 'the auth reply');

  CometChat.startTyping(new CometChat.TypingIndicator(peer, CometChat.RECEIVER_TYPE.USER));
  const sent = await CometChat.sendMessage(new CometChat.TextMessage(peer, 'hello from js', CometChat.RECEIVER_TYPE.USER));
  out({ event: 'sent', id: String(sent.getId()), text: sent.getText() });

  const m = await within(reply, 10000, 'the reply');
  CometChat.markAsRead(m);

  const req = new CometChat.MessagesRequestBuilder().setUID(peer).setLimit(10).build();
  const history = await req.fetchPrevious();
  out({ event: 'history', texts: history.filter((h) => h.getCategory() === 'message').map((h) => h.getText()) });

  const user = await CometChat.getUser(peer);
  out({ event: 'user', uid: user.getUid(), name: user.getName() });

  await CometChat.logout();
  out({ event: 'logout' });
  process.exit(0);
})().catch((e) => {
  out({ event: 'error', error: String((e && (e.code || e.message)) || e) });
  process.exit(1);
});
