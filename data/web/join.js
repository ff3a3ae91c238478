/* join.js: the site side of the mcu's signalling protocol (docs/SIGNALLING.md)
 * in a browser.  Served by the mcu at /join/assets/join.js for the page
 * /join/{room}?token=…; standard APIs only (Chromium and Firefox), no
 * external resources.
 *
  * The site asks for the microphone and the camera, opens ws(s)://HOST/ws,
 * sends `join`, answers the mcu's `offer` with the microphone on the audio
 * transceiver (m-line 0) and the camera on the video one (m-line 1),
 * trickles ICE candidates both ways, plays the room's mix and shows the
 * room's composite picture.  Without a camera (none, or refused) the site
 * joins with sound only.
 * It reconnects with backoff (1 s doubling to 10 s) when the mcu restarts
 * (`bye` mcu-stopping, close 1001) or the connection is lost, never after
 * `left`, `kicked`, `room-closed` or a fatal error.
 *
 * For automated tests
 * -------------------
 * - `?autojoin=1` joins at once without a click, with the site's name from
 *   `name=` and its unit code from `unit=` (both optional), e.g.
 *   /join/r1?token=T&autojoin=1&name=Điểm%20cầu%20thử&unit=TEST-1
 *   (Chromium needs --autoplay-policy=no-user-gesture-required to play
 *   the mix without a click; the stats below count packets regardless.)
  * - `?camera=0` joins without the camera (sound only; the room's picture
 *   still shows).
 * - `?processing=0` asks for the microphone without echo cancellation, noise
 *   suppression and gain control: for rooms with their own audio processor,
 *   and for tests, whose fake microphone the echo canceller would otherwise
 *   suppress as soon as the room's mix plays.
 * - Every second, from page load on, the page logs ONE console line:
 *
 *     HOINGHI-STATUS {"state":"joined","participant":"…",…}
 *
 *   i.e. the prefix, one space and a single-line JSON object with:
 *     state           "idle" (not joined yet, or back at the form after a
 *                     fatal error: see `error`), "connecting" (getting the
 *                     microphone, connecting, waiting for `joined`),
 *                     "joined", "reconnecting" (waiting out the backoff),
 *                     "left", "kicked", "room-closed"
 *     participant     this site's id from `joined`, or null
 *     participants    how many sites are in the room, this one included
 *     muted           whether this site's microphone is off
 *     mutedBy         "self", "operator" or null
 *     packetsReceived, bytesReceived   inbound-rtp, kind audio
 *     senderReports   remote-outbound-rtp, kind audio: the RTCP sender
 *                     reports the mcu sent for the room's sound (Chromium
 *                     counts them; Firefox does not: 1 once one came)
 *     audioLevel      0..1: inbound-rtp audioLevel, else the RMS over the
 *                     last second from totalAudioEnergy/totalSamplesDuration
  *     packetsSent, bytesSent           outbound-rtp, kind audio
 *     camera          whether the camera is sent
 *     framesSent      outbound-rtp, kind video
 *     framesDecoded   inbound-rtp, kind video (the room's picture)
 *     videoWidth, videoHeight          the room's picture as played
 *     iceState        RTCPeerConnection.iceConnectionState, or "none"
 *     error           the code of the last `error` from the mcu (or a local
 *                     one: "no-microphone", "bad-link"), or null
 *     reconnects      how many times the page has reconnected
 *   The counters are those of the current peer connection: they start from
 *   0 again after a reconnect.  Chromium prints console messages to stderr
 *   with --enable-logging=stderr as
 *     [pid:tid:date/time:INFO:CONSOLE(N)] "HOINGHI-STATUS {…}", source: URL (N)
 */
'use strict';

(() => {
  const PING_INTERVAL_MS = 20000;
  /* without a pong for this long, the connection is taken for lost */
  const PONG_TIMEOUT_MS = 65000;
  const BACKOFF_FIRST_MS = 1000;
  const BACKOFF_MAX_MS = 10000;
  const STATUS_INTERVAL_MS = 1000;
  const LEAVE_CLOSE_MS = 2000;
  const NAME_KEY = 'hoinghi.join.name';
  const UNIT_KEY = 'hoinghi.join.unit';
  const DEFAULT_NAME = 'Điểm cầu trình duyệt';
  const UNIT_RE = /^[A-Za-z0-9-]{1,16}$/;

  const numberFormat = new Intl.NumberFormat('vi-VN');
  const decimalFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });

  const BYE_TEXT = {
    left: 'Đã rời phòng.',
    kicked: 'Kỹ thuật viên đã mời điểm cầu này ra khỏi phòng.',
    'room-closed': 'Phòng họp đã kết thúc.',
    'mcu-stopping': 'Máy chủ hội nghị đang khởi động lại.',
  };

  /* used when the mcu's error comes without a message */
  const ERROR_TEXT = {
    'bad-json': 'Máy chủ không đọc được tin nhắn của trang.',
    'bad-message': 'Thông tin gửi lên không hợp lệ.',
    'unknown-type': 'Máy chủ không hiểu một tin nhắn của trang.',
    'out-of-order': 'Tin nhắn gửi sai thứ tự.',
    'no-room': 'Không có phòng họp này.',
    'bad-token': 'Mã tham gia không đúng.',
    'room-locked': 'Phòng họp đã khóa.',
    'room-full': 'Phòng họp đã đủ số điểm cầu.',
    'bad-sdp': 'Máy chủ không nhận thông số kết nối của trình duyệt.',
    'bad-candidate': 'Máy chủ từ chối một địa chỉ kết nối của trình duyệt.',
    'muted-by-operator': 'Kỹ thuật viên đang tắt micro của bạn.',
    'too-many-messages': 'Trang gửi quá nhiều tin nhắn.',
    'join-timeout': 'Quá thời gian chờ tham gia.',
    internal: 'Máy chủ hội nghị gặp lỗi khi thiết lập kết nối.',
  };

  /* errors that leave the session as it was (the rest close it with 1008) */
  const NON_FATAL_ERRORS = new Set(['unknown-type', 'bad-candidate', 'muted-by-operator']);
  /* fatal errors after which trying again at once makes sense */
  const RETRYABLE_ERRORS = new Set(['internal']);

  const $ = (id) => document.getElementById(id);
  const ui = {
    roomName: $('room-name'),
    status: $('status'),
    notice: $('notice'),
    form: $('join-form'),
    name: $('site-name'),
    unit: $('unit-code'),
    formError: $('form-error'),
    joinButton: $('join-button'),
    conference: $('conference'),
    muteButton: $('mute-button'),
    audioButton: $('audio-button'),
    leaveButton: $('leave-button'),
    operatorNotice: $('operator-notice'),
    participantCount: $('participant-count'),
    participants: $('participants'),
    stats: $('stats'),
    announce: $('announce'),
        audio: $('remote-audio'),
    video: $('remote-video'),
    cameraButton: $('camera-button'),
  };

  const params = new URLSearchParams(location.search);
  const pathMatch = location.pathname.match(/^\/join\/([^/]+)\/?$/);
  const roomId = pathMatch ? safeDecode(pathMatch[1]) : null;
  const token = params.get('token');

  const session = {
    state: 'idle',
    name: '',
    unit: '',
        mic: null, /* MediaStream: the microphone, and the camera when there is one */
    cameraOff: false,
    ws: null,
    pc: null,
    participant: null,
    participants: new Map(), /* id -> {id, name, unit, muted, talking} */
    selfMuted: false,
    operatorMuted: false,
    pendingCandidates: [],
    signalling: Promise.resolve(), /* offer, answer and candidates in order */
    byeReason: null,
    fatalError: null,
    lastError: null,
    leaving: false,
    backoffMs: BACKOFF_FIRST_MS,
    reconnectTimer: 0,
    reconnects: 0,
    pingTimer: 0,
    lastPong: 0,
    leaveTimer: 0,
  };

  const stats = {
    packetsReceived: 0,
    bytesReceived: 0,
    senderReports: 0,
    audioLevel: 0,
    packetsSent: 0,
        bytesSent: 0,
    framesSent: 0,
    framesDecoded: 0,
    energy: null, /* {totalAudioEnergy, totalSamplesDuration} of the last sample */
    busy: false,
  };

  /* Chromium logs only the text of a console message to stderr */
  function describe(e) {
    return e && e.name ? `${e.name}: ${e.message}` : String(e);
  }

  function safeDecode(text) {
    try {
      return decodeURIComponent(text);
    } catch (e) {
      return null;
    }
  }

  function storageGet(key) {
    try {
      return localStorage.getItem(key);
    } catch (e) {
      return null; /* storage disabled */
    }
  }

  function storageSet(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch (e) {
      /* storage disabled or full: the name is simply not remembered */
    }
  }

  /* ---- what the page shows ---- */

  function setStatus(text) {
    ui.status.textContent = text;
  }

  function setNotice(text) {
    ui.notice.textContent = text || '';
    ui.notice.hidden = !text;
  }

  function announce(text) {
    ui.announce.textContent = text;
  }

  function setState(state) {
    session.state = state;
    ui.leaveButton.disabled = false;
    const inRoom = state === 'connecting' || state === 'joined' || state === 'reconnecting';
    ui.form.hidden = inRoom;
    ui.conference.hidden = !inRoom;
    ui.joinButton.disabled = false;
    updateMuteButton();
  }

  function updateMuteButton() {
    const muted = session.selfMuted || session.operatorMuted;
    ui.muteButton.textContent = muted ? 'Bật micro' : 'Tắt micro';
    ui.muteButton.disabled = session.state !== 'joined' || session.operatorMuted;
    ui.operatorNotice.hidden = !session.operatorMuted;
    ui.conference.classList.toggle('mic-off', muted);
  }

  function applyMicState() {
    const enabled = !(session.selfMuted || session.operatorMuted);
    if (session.mic) {
      for (const track of session.mic.getAudioTracks()) track.enabled = enabled;
    }
    const self = session.participants.get(session.participant);
    if (self) {
      self.muted = !enabled;
      if (!enabled) self.talking = false;
    }
    updateMuteButton();
    renderParticipants();
  }

  function errorText(code, message) {
    if (message) return message;
    return ERROR_TEXT[code] || `Lỗi: ${code}`;
  }

  function renderParticipants() {
    const list = ui.participants;
    list.replaceChildren();
    const entries = [...session.participants.values()];
    entries.sort((a, b) => (b.id === session.participant) - (a.id === session.participant)
      || a.name.localeCompare(b.name, 'vi'));
    for (const p of entries) {
      const item = document.createElement('li');
      item.className = 'participant';
      item.classList.toggle('talking', Boolean(p.talking));
      item.classList.toggle('muted', Boolean(p.muted));

      const indicator = document.createElement('span');
      indicator.className = 'indicator';
      indicator.setAttribute('aria-hidden', 'true');
      item.append(indicator);

      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = p.name;
      item.append(name);
      if (p.id === session.participant) {
        const you = document.createElement('span');
        you.className = 'you';
        you.textContent = '(bạn)';
        item.append(' ', you);
      }
      if (p.unit) {
        const unit = document.createElement('span');
        unit.className = 'unit';
        unit.textContent = p.unit;
        item.append(' ', unit);
      }
      if (p.muted) {
        const muted = document.createElement('span');
        muted.className = 'badge badge-muted';
        muted.textContent = 'Đã tắt micro';
        item.append(' ', muted);
      }
      if (p.talking) {
        const talking = document.createElement('span');
        talking.className = 'badge badge-talking';
        talking.textContent = 'Đang nói';
        item.append(' ', talking);
      }
      list.append(item);
    }
    ui.participantCount.textContent = entries.length
      ? `(${numberFormat.format(entries.length)})` : '';
  }

  function renderStats() {
    if (!session.pc) {
      ui.stats.textContent = '';
      return;
    }
    ui.stats.textContent = `Đã nhận ${numberFormat.format(stats.packetsReceived)} gói `
      + `(${decimalFormat.format(stats.bytesReceived / 1024)} KB), `
      + `đã gửi ${numberFormat.format(stats.packetsSent)} gói.`;
  }

  /* ---- the signalling connection ---- */

  function send(message) {
    const ws = session.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  function wsUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/ws`;
  }

  function connect() {
    clearTimeout(session.reconnectTimer);
    session.reconnectTimer = 0;
    session.byeReason = null;
    session.fatalError = null;
    session.participant = null;
    session.participants.clear();
    session.operatorMuted = false;
    renderParticipants();
    setState('connecting');
    setStatus('Đang kết nối…');

    let ws;
    try {
      ws = new WebSocket(wsUrl());
    } catch (e) {
      console.error(`hoinghi: WebSocket: ${describe(e)}`);
      scheduleReconnect('Không mở được kết nối tới máy chủ hội nghị.');
      return;
    }
    session.ws = ws;
    ws.onopen = () => {
      const join = { type: 'join', room: roomId, token, name: session.name };
      if (session.unit) join.unit = session.unit;
      send(join);
      session.lastPong = Date.now();
      session.pingTimer = setInterval(ping, PING_INTERVAL_MS);
    };
    ws.onmessage = (event) => onMessage(ws, event);
    ws.onclose = (event) => onClose(ws, event.code, event.reason);
    /* onerror is always followed by onclose, which decides */
  }

  function ping() {
    if (Date.now() - session.lastPong > PONG_TIMEOUT_MS) {
      console.warn('hoinghi: no pong from the mcu, the connection is taken for lost');
      const ws = session.ws;
      ws.onclose = null;
      ws.close();
      onClose(ws, 1006, 'no pong');
      return;
    }
    send({ type: 'ping' });
  }

  function onMessage(ws, event) {
    if (ws !== session.ws) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      console.warn('hoinghi: a message from the mcu is not JSON');
      return;
    }
    if (message === null || typeof message !== 'object') return;
    switch (message.type) {
      case 'joined': onJoined(message); break;
      case 'offer': queue(() => onOffer(message.sdp)); break;
      case 'candidate': queue(() => onRemoteCandidate(message)); break;
      case 'participant-joined': onParticipantJoined(message.participant); break;
      case 'participant-left': onParticipantLeft(message.participant, message.reason); break;
      case 'muted': onMuted(message); break;
      case 'talking': onTalking(message); break;
      case 'pong': session.lastPong = Date.now(); break;
      case 'error': onError(message); break;
      case 'bye': onBye(message.reason); break;
      default: console.info(`hoinghi: unknown message type from the mcu: ${message.type}`);
    }
  }

  function onJoined(message) {
    session.participant = String(message.participant);
    session.backoffMs = BACKOFF_FIRST_MS;
    session.lastError = null;
    session.participants.clear();
    session.participants.set(session.participant, {
      id: session.participant,
      name: session.name,
      unit: session.unit,
      muted: session.selfMuted,
      talking: false,
    });
    for (const p of message.participants || []) addParticipant(p);
    if (message.room && message.room.name) ui.roomName.textContent = message.room.name;
    setState('joined');
    setNotice('');
    setStatus('Đã tham gia phòng họp.');
    /* a site that muted itself stays muted across a reconnect */
    if (session.selfMuted) send({ type: 'mute', audio: true });
    applyMicState();
  }

  function addParticipant(p) {
    if (!p || p.id === undefined) return null;
    const entry = {
      id: String(p.id),
      name: String(p.name || p.id),
      unit: p.unit ? String(p.unit) : '',
      muted: Boolean(p.muted),
      talking: false,
    };
    session.participants.set(entry.id, entry);
    return entry;
  }

  function onParticipantJoined(p) {
    const entry = addParticipant(p);
    if (!entry) return;
    renderParticipants();
    announce(`${entry.name} đã vào phòng.`);
  }

  function onParticipantLeft(id, reason) {
    const entry = session.participants.get(String(id));
    if (!entry) return;
    session.participants.delete(entry.id);
    renderParticipants();
    announce(reason === 'kicked' ? `${entry.name} đã bị mời ra khỏi phòng.`
      : `${entry.name} đã rời phòng.`);
  }

  function onMuted(message) {
    const id = String(message.participant);
    const audioMuted = Boolean(message.audio);
    if (id === session.participant) {
      if (message.by === 'operator') {
        session.operatorMuted = audioMuted;
        /* the operator's unmute puts the site back into the mix */
        if (!audioMuted) session.selfMuted = false;
        announce(audioMuted ? 'Kỹ thuật viên đã tắt micro của bạn.'
          : 'Kỹ thuật viên đã bật lại micro của bạn.');
      } else {
        session.selfMuted = audioMuted;
      }
      applyMicState();
      return;
    }
    const entry = session.participants.get(id);
    if (!entry) return;
    entry.muted = audioMuted;
    if (audioMuted) entry.talking = false;
    renderParticipants();
  }

  function onTalking(message) {
    const entry = session.participants.get(String(message.participant));
    if (!entry) return;
    const talking = Boolean(message.talking);
    if (entry.talking === talking) return;
    entry.talking = talking;
    renderParticipants();
  }

  function onError(message) {
    const code = String(message.code || 'internal');
    session.lastError = code;
    console.warn(`hoinghi: error from the mcu: ${code}: ${message.message}`);
    if (code === 'muted-by-operator') {
      session.operatorMuted = true;
      applyMicState();
      return;
    }
    if (NON_FATAL_ERRORS.has(code)) return;
    /* a fatal error is followed by close 1008, which decides what next */
    session.fatalError = code;
    setNotice(errorText(code, message.message));
  }

  function onBye(reason) {
    session.byeReason = String(reason || '');
    setStatus(BYE_TEXT[session.byeReason] || 'Máy chủ đã kết thúc phiên.');
  }

  function onClose(ws, code, reason) {
    if (ws !== session.ws) return;
    session.ws = null;
    clearInterval(session.pingTimer);
    clearTimeout(session.leaveTimer);
    closePeer();
    session.participant = null;
    session.participants.clear();
    renderParticipants();

    const bye = session.byeReason;
    if (session.leaving || bye === 'left') {
      finish('left', 'Đã rời phòng.');
    } else if (bye === 'kicked' || bye === 'room-closed') {
      finish(bye, BYE_TEXT[bye]);
    } else if (bye === 'mcu-stopping' || code === 1001) {
      scheduleReconnect(BYE_TEXT['mcu-stopping']);
    } else if (code === 1008 && !RETRYABLE_ERRORS.has(session.fatalError || reason)) {
      /* the mcu refused this site (token, room, message): trying again the
       * same way would be refused again */
      stopMic();
      setState('idle');
      if (!session.fatalError) setNotice(errorText(reason || 'internal', ''));
      setStatus('Không tham gia được phòng họp.');
      ui.joinButton.textContent = 'Thử lại';
    } else {
      scheduleReconnect('Mất kết nối với máy chủ hội nghị.');
    }
  }

  function scheduleReconnect(why) {
    const delay = session.backoffMs;
    session.backoffMs = Math.min(session.backoffMs * 2, BACKOFF_MAX_MS);
    setState('reconnecting');
    /* said once: a countdown in a live region would be read out every second */
    setStatus(`${why} Kết nối lại sau ${numberFormat.format(delay / 1000)} giây…`);
    session.reconnectTimer = setTimeout(() => {
      session.reconnects += 1;
      connect();
    }, delay);
  }

  function finish(state, text) {
    clearTimeout(session.reconnectTimer);
    session.reconnectTimer = 0;
    stopMic();
    setState(state);
    setStatus(text);
    announce('');
    ui.joinButton.textContent = 'Tham gia lại';
  }

  /* ---- media ---- */

  /* Offer, answer and candidates are handled one at a time, in order. */
  function queue(step) {
    const ws = session.ws;
    session.signalling = session.signalling
      .then(() => (ws === session.ws ? step() : undefined))
      .catch((e) => {
        console.error(`hoinghi: signalling: ${describe(e)}`);
        if (ws === session.ws) setNotice(`Lỗi thiết lập kết nối âm thanh: ${e.message || e}`);
      });
  }

  function newPeer() {
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', iceServers: [] });
    pc.onicecandidate = (event) => {
      if (pc !== session.pc) return;
      if (!event.candidate) {
        send({ type: 'candidate', candidate: '', sdpMLineIndex: 0 });
        return;
      }
      /* Chromium's per-m-line end marker: the null event above says it once */
      if (!event.candidate.candidate) return;
      send({
        type: 'candidate',
        candidate: event.candidate.candidate,
        sdpMLineIndex: event.candidate.sdpMLineIndex ?? 0,
      });
    };
        pc.ontrack = (event) => {
      if (pc !== session.pc) return;
      if (event.track.kind === 'video') {
        /* the picture apart from the sound: a stalled picture never holds the sound */
        ui.video.srcObject = new MediaStream([event.track]);
        ui.video.hidden = false;
        ui.video.play().catch((e) => console.info(`hoinghi: video play: ${describe(e)}`));
        return;
      }
      if (event.track.kind !== 'audio') return;
      ui.audio.srcObject = new MediaStream([event.track]);
      playAudio();
    };
    pc.oniceconnectionstatechange = () => {
      if (pc !== session.pc) return;
      if (pc.iceConnectionState === 'failed') {
        console.warn('hoinghi: ICE failed');
        const ws = session.ws;
        if (ws) {
          ws.onclose = null;
          ws.close();
          onClose(ws, 1006, 'ice failed');
        }
      }
    };
    return pc;
  }

  async function onOffer(sdp) {
    if (typeof sdp !== 'string') throw new Error('offer without sdp');
    /* a second offer renegotiates the same connection */
    if (!session.pc) session.pc = newPeer();
    const pc = session.pc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const transceivers = pc.getTransceivers();
    const audio = transceivers[0] && transceivers[0].receiver.track.kind === 'audio'
      ? transceivers[0] : transceivers.find((t) => t.receiver.track.kind === 'audio');
    if (!audio) throw new Error('the offer has no audio');
        const track = session.mic ? session.mic.getAudioTracks()[0] : null;
    if (track) {
      await audio.sender.replaceTrack(track);
      audio.direction = 'sendrecv';
    }
    const video = transceivers.find((t) => t !== audio && t.receiver.track.kind === 'video');
    const camera = session.mic ? session.mic.getVideoTracks()[0] : null;
    if (video) {
      if (camera) await video.sender.replaceTrack(camera);
      video.direction = camera ? 'sendrecv' : 'recvonly';
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    send({ type: 'answer', sdp: pc.localDescription.sdp });
    for (const c of session.pendingCandidates.splice(0)) await addRemoteCandidate(c);
  }

  function onRemoteCandidate(message) {
    if (!session.pc || !session.pc.remoteDescription) {
      session.pendingCandidates.push(message);
      return undefined;
    }
    return addRemoteCandidate(message);
  }

  async function addRemoteCandidate(message) {
    const candidate = typeof message.candidate === 'string' ? message.candidate : '';
    const sdpMLineIndex = Number.isInteger(message.sdpMLineIndex) ? message.sdpMLineIndex : 0;
    try {
      await session.pc.addIceCandidate({ candidate, sdpMLineIndex });
    } catch (e) {
      /* an end-of-candidates some browser does not take, or one it refuses */
      console.warn(`hoinghi: remote candidate refused (${candidate}): ${describe(e)}`);
    }
  }

  function closePeer() {
    const pc = session.pc;
    session.pc = null;
    session.pendingCandidates = [];
    stats.energy = null;
    if (pc) pc.close();
        ui.audio.srcObject = null;
    ui.video.srcObject = null;
    ui.video.hidden = true;
    ui.audioButton.hidden = true;
    renderStats();
  }

  function playAudio() {
    const playing = ui.audio.play();
    if (!playing) return;
    playing.then(() => {
      ui.audioButton.hidden = true;
    }).catch((e) => {
      /* autoplay refused without a click: let the user start it */
      console.info(`hoinghi: autoplay refused: ${describe(e)}`);
      ui.audioButton.hidden = false;
    });
  }

  function stopMic() {
    if (session.mic) {
      for (const track of session.mic.getTracks()) track.stop();
    }
    session.mic = null;
  }

    /* What the mcu tiles best: 640×360 at 15 frames a second. */
  const CAMERA = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15 } };

  async function getMicrophone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw Object.assign(new Error('insecure'), { name: 'SecurityError' });
    }
    // A room whose own sound system cancels echo (and a test's fake
    // microphone, which the browser's echo canceller would take for echo of
    // what it plays) asks for the raw microphone with ?processing=0.
    const audio = params.get('processing') === '0'
      ? { echoCancellation: false, noiseSuppression: false, autoGainControl: false }
      : true;
    if (params.get('camera') !== '0') {
      try {
        return await navigator.mediaDevices.getUserMedia({ audio, video: CAMERA });
      } catch (e) {
        /* no camera, or refused: the site joins with sound only */
        console.info(`hoinghi: no camera: ${describe(e)}`);
      }
    }
    return navigator.mediaDevices.getUserMedia({ audio });
  }

  function microphoneErrorText(e) {
    switch (e && e.name) {
      case 'NotAllowedError':
        return 'Trình duyệt không được phép dùng micro. Hãy cho phép rồi thử lại.';
      case 'NotFoundError':
        return 'Không tìm thấy micro trên máy này.';
      case 'NotReadableError':
        return 'Không mở được micro: có thể chương trình khác đang dùng.';
      case 'SecurityError':
        return 'Trình duyệt chỉ cho dùng micro qua kết nối an toàn (https).';
      default:
        return `Không mở được micro (${(e && e.name) || e}).`;
    }
  }

  /* ---- the user's actions ---- */

  async function join() {
    const name = ui.name.value.trim();
    const unit = ui.unit.value.trim();
    ui.formError.hidden = true;
    if (name.length < 1 || name.length > 100) {
      showFormError('Hãy nhập tên điểm cầu (từ 1 đến 100 ký tự).', ui.name);
      return;
    }
    if (unit && !UNIT_RE.test(unit)) {
      showFormError('Mã đơn vị chỉ gồm chữ cái không dấu, chữ số và dấu gạch ngang, '
        + 'tối đa 16 ký tự.', ui.unit);
      return;
    }
    storageSet(NAME_KEY, name);
    storageSet(UNIT_KEY, unit);
    session.name = name;
    session.unit = unit;
    session.leaving = false;
    session.selfMuted = false;
    session.cameraOff = false;
    session.operatorMuted = false;
    session.lastError = null;
    session.backoffMs = BACKOFF_FIRST_MS;
    setNotice('');
    setState('connecting');
    setStatus('Đang mở micro và camera…');
    ui.joinButton.disabled = true;
    try {
      session.mic = await getMicrophone();
    } catch (e) {
      console.error(`hoinghi: getUserMedia: ${describe(e)}`);
      session.lastError = 'no-microphone';
      setState('idle');
      setNotice(microphoneErrorText(e));
      setStatus('Chưa tham gia.');
      return;
    }
    if (session.leaving) {
      stopMic(); /* "Rời phòng" while the browser asked about the microphone */
      return;
    }
    applyCameraState();
    connect();
  }

  function showFormError(text, field) {
    ui.formError.textContent = text;
    ui.formError.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }

  function leave() {
    session.leaving = true;
    const ws = session.ws;
    if (!ws) {
      finish('left', 'Đã rời phòng.');
      return;
    }
    closePeer();
    ui.muteButton.disabled = true;
    ui.leaveButton.disabled = true;
    if (session.participant && send({ type: 'leave' })) {
      setStatus('Đang rời phòng…');
      /* the mcu answers with bye and closes; do not wait for ever */
      session.leaveTimer = setTimeout(() => ws.close(1000), LEAVE_CLOSE_MS);
    } else {
      ws.close(1000); /* leave before joined is out of order: just go */
      onClose(ws, 1000, '');
    }
  }

  function toggleMute() {
    if (session.operatorMuted || session.state !== 'joined') return;
        session.selfMuted = !session.selfMuted;
    applyMicState();
    send({ type: 'mute', audio: session.selfMuted });
  }

  /* The camera off sends black frames: the tile stays, without a picture. */
  function toggleCamera() {
    session.cameraOff = !session.cameraOff;
    applyCameraState();
  }

  function applyCameraState() {
    const tracks = session.mic ? session.mic.getVideoTracks() : [];
    for (const track of tracks) track.enabled = !session.cameraOff;
    ui.cameraButton.hidden = tracks.length === 0;
    ui.cameraButton.textContent = session.cameraOff ? 'Bật camera' : 'Tắt camera';
    ui.cameraButton.setAttribute('aria-pressed', String(session.cameraOff));
  }

  /* ---- HOINGHI-STATUS for tests ---- */

  async function sampleStats() {
    const pc = session.pc;
    let packetsReceived = 0;
    let bytesReceived = 0;
    let senderReports = 0;
    let packetsSent = 0;
    let bytesSent = 0;
    let audioLevel = null;
    let energy = null;
        let framesSent = 0;
    let framesDecoded = 0;
    if (pc) {
      const report = await pc.getStats();
      report.forEach((s) => {
        const kind = s.kind || s.mediaType;
        if (kind === 'video') {
          if (s.type === 'inbound-rtp') framesDecoded += s.framesDecoded || 0;
          else if (s.type === 'outbound-rtp') framesSent += s.framesSent || s.framesEncoded || 0;
          return;
        }
        if (kind !== 'audio') return;
        if (s.type === 'inbound-rtp') {
          packetsReceived += s.packetsReceived || 0;
          bytesReceived += s.bytesReceived || 0;
          if (typeof s.audioLevel === 'number') audioLevel = Math.max(audioLevel || 0, s.audioLevel);
          if (typeof s.totalAudioEnergy === 'number'
              && typeof s.totalSamplesDuration === 'number') {
            energy = { e: s.totalAudioEnergy, d: s.totalSamplesDuration };
          }
        } else if (s.type === 'remote-outbound-rtp') {
          senderReports += s.reportsSent || (s.remoteTimestamp ? 1 : 0);
        } else if (s.type === 'outbound-rtp') {
          packetsSent += s.packetsSent || 0;
          bytesSent += s.bytesSent || 0;
        }
      });
    }
    if (pc !== session.pc) return; /* replaced while getStats() ran */
    if (audioLevel === null && energy && stats.energy && energy.d > stats.energy.d) {
      /* totalAudioEnergy sums level² × duration: RMS = √(Δenergy / Δduration) */
      audioLevel = Math.sqrt(Math.max(0, energy.e - stats.energy.e) / (energy.d - stats.energy.d));
    }
    stats.energy = energy;
    stats.packetsReceived = packetsReceived;
    stats.bytesReceived = bytesReceived;
    stats.senderReports = senderReports;
    stats.packetsSent = packetsSent;
        stats.bytesSent = bytesSent;
    stats.framesSent = framesSent;
    stats.framesDecoded = framesDecoded;
    stats.audioLevel = audioLevel === null ? 0 : Math.min(1, audioLevel);
  }

  async function logStatus() {
    if (!stats.busy) {
      stats.busy = true;
      try {
        await sampleStats();
      } catch (e) {
        console.warn(`hoinghi: getStats: ${describe(e)}`);
      } finally {
        stats.busy = false;
      }
    }
        if (!session.pc) Object.assign(stats, {
      packetsReceived: 0, bytesReceived: 0, senderReports: 0, packetsSent: 0, bytesSent: 0,
      audioLevel: 0,
      framesSent: 0, framesDecoded: 0,
    });
    const muted = session.selfMuted || session.operatorMuted;
    const status = {
      state: session.state,
      participant: session.participant,
      participants: session.participants.size,
      muted,
      mutedBy: session.operatorMuted ? 'operator' : (session.selfMuted ? 'self' : null),
      packetsReceived: stats.packetsReceived,
      bytesReceived: stats.bytesReceived,
      senderReports: stats.senderReports,
      audioLevel: Math.round(stats.audioLevel * 10000) / 10000,
      packetsSent: stats.packetsSent,
            bytesSent: stats.bytesSent,
      camera: Boolean(session.mic && session.mic.getVideoTracks().length > 0 && !session.cameraOff),
      framesSent: stats.framesSent,
      framesDecoded: stats.framesDecoded,
      videoWidth: ui.video.videoWidth || 0,
      videoHeight: ui.video.videoHeight || 0,
      iceState: session.pc ? session.pc.iceConnectionState : 'none',
      error: session.lastError,
      reconnects: session.reconnects,
    };
    console.log(`HOINGHI-STATUS ${JSON.stringify(status)}`);
    renderStats();
  }

  /* ---- start ---- */

  function init() {
    ui.roomName.textContent = roomId || '—';
    ui.name.value = params.get('name') || storageGet(NAME_KEY) || DEFAULT_NAME;
    ui.unit.value = params.get('unit') || storageGet(UNIT_KEY) || '';
    for (const field of [ui.name, ui.unit]) {
      field.addEventListener('input', () => field.removeAttribute('aria-invalid'));
    }
    ui.form.addEventListener('submit', (event) => {
      event.preventDefault();
      join();
    });
        ui.muteButton.addEventListener('click', toggleMute);
    ui.cameraButton.addEventListener('click', toggleCamera);
    ui.leaveButton.addEventListener('click', leave);
    ui.audioButton.addEventListener('click', playAudio);
    window.addEventListener('pagehide', () => {
      if (session.participant) send({ type: 'leave' });
    });
    setInterval(logStatus, STATUS_INTERVAL_MS);
    setState('idle');
    renderParticipants();

    if (!roomId || !token) {
      session.lastError = 'bad-link';
      setNotice('Đường dẫn không đủ: thiếu mã phòng hoặc mã tham gia (token). '
        + 'Hãy mở lại đường dẫn được gửi cho điểm cầu.');
      setStatus('Không tham gia được phòng họp.');
      ui.joinButton.disabled = true;
      return;
    }
    setStatus('Chưa tham gia. Nhập tên điểm cầu rồi bấm “Tham gia”.');
    if (params.get('autojoin') === '1') join();
  }

  init();
})();
