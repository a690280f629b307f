/**
 * Messages of the video-call screen, complete in every widget language (the type requires each
 * locale to have every key of the English source).
 * @module
 */
const en = {
  title: "Video call with an operator",
  body: "An operator will see and hear you to confirm your identity. Have your identity document at hand. Your camera and microphone are used only during the call.",
  join: "Join the call",
  starting: "Starting your camera and microphone…",
  waitingTitle: "Waiting for an operator",
  position: "You are number {position} in the queue.",
  waitingHint: "Please stay on this page. The call starts as soon as an operator answers.",
  leave: "Leave the queue",
  connecting: "Connecting…",
  inCallTitle: "You are in the call",
  inCallHint: "Follow the operator's instructions.",
  hangUp: "Hang up",
  timeoutTitle: "Nobody answered",
  timeoutBody: "No operator could answer within {minutes} minutes. You can try again.",
  operatorLeftTitle: "The call ended",
  operatorLeftBody: "The operator left the call before finishing. You can join again.",
  leftTitle: "You left the call",
  leftBody: "Join again when you are ready.",
  retry: "Try again",
  mediaTitle: "Camera or microphone unavailable",
  mediaBody:
    "The call needs your camera and microphone. Allow them in your browser's settings and try again.",
  you: "You",
  operator: "Operator",
  recorded: "The call is recorded. The recording is kept with your verification as evidence of it.",
};

export type VideoCallMessageKey = keyof typeof en;
type Messages = Readonly<Record<VideoCallMessageKey, string>>;

const ka: Messages = {
  title: "ვიდეოზარი ოპერატორთან",
  body: "ოპერატორი დაგინახავთ და მოგისმენთ თქვენი ვინაობის დასადასტურებლად. იქონიეთ პირადობის დამადასტურებელი დოკუმენტი. კამერა და მიკროფონი გამოიყენება მხოლოდ ზარის დროს.",
  join: "ზარში შესვლა",
  starting: "კამერისა და მიკროფონის ჩართვა…",
  waitingTitle: "ოპერატორის მოლოდინი",
  position: "რიგში ხართ {position}-ე.",
  waitingHint: "გთხოვთ, დარჩეთ ამ გვერდზე. ზარი დაიწყება, როგორც კი ოპერატორი უპასუხებს.",
  leave: "რიგის დატოვება",
  connecting: "დაკავშირება…",
  inCallTitle: "თქვენ ზარში ხართ",
  inCallHint: "მიჰყევით ოპერატორის მითითებებს.",
  hangUp: "ზარის დასრულება",
  timeoutTitle: "არავინ უპასუხა",
  timeoutBody: "ოპერატორმა ვერ უპასუხა {minutes} წუთში. შეგიძლიათ სცადოთ ხელახლა.",
  operatorLeftTitle: "ზარი დასრულდა",
  operatorLeftBody: "ოპერატორმა ზარი დასრულებამდე დატოვა. შეგიძლიათ ხელახლა შეხვიდეთ.",
  leftTitle: "თქვენ დატოვეთ ზარი",
  leftBody: "შედით ხელახლა, როცა მზად იქნებით.",
  retry: "ხელახლა ცდა",
  mediaTitle: "კამერა ან მიკროფონი მიუწვდომელია",
  mediaBody: "ზარს სჭირდება კამერა და მიკროფონი. დაუშვით ისინი ბრაუზერის პარამეტრებში და სცადეთ ხელახლა.",
  you: "თქვენ",
  operator: "ოპერატორი",
  recorded: "ზარი ჩაიწერება. ჩანაწერი ინახება თქვენს ვერიფიკაციასთან ერთად, როგორც მისი მტკიცებულება.",
};

const ru: Messages = {
  title: "Видеозвонок с оператором",
  body: "Оператор увидит и услышит вас, чтобы подтвердить вашу личность. Держите документ под рукой. Камера и микрофон используются только во время звонка.",
  join: "Присоединиться к звонку",
  starting: "Включаем камеру и микрофон…",
  waitingTitle: "Ожидание оператора",
  position: "Вы {position}-й в очереди.",
  waitingHint: "Пожалуйста, оставайтесь на этой странице. Звонок начнётся, как только ответит оператор.",
  leave: "Покинуть очередь",
  connecting: "Соединение…",
  inCallTitle: "Вы в звонке",
  inCallHint: "Следуйте указаниям оператора.",
  hangUp: "Завершить звонок",
  timeoutTitle: "Никто не ответил",
  timeoutBody: "Ни один оператор не ответил в течение {minutes} мин. Вы можете попробовать снова.",
  operatorLeftTitle: "Звонок завершён",
  operatorLeftBody: "Оператор покинул звонок, не завершив проверку. Вы можете присоединиться снова.",
  leftTitle: "Вы покинули звонок",
  leftBody: "Присоединитесь снова, когда будете готовы.",
  retry: "Попробовать снова",
  mediaTitle: "Камера или микрофон недоступны",
  mediaBody: "Для звонка нужны камера и микрофон. Разрешите их в настройках браузера и попробуйте снова.",
  you: "Вы",
  operator: "Оператор",
  recorded: "Звонок записывается. Запись хранится вместе с вашей проверкой как её доказательство.",
};

const es: Messages = {
  title: "Videollamada con un operador",
  body: "Un operador le verá y le oirá para confirmar su identidad. Tenga su documento de identidad a mano. La cámara y el micrófono solo se usan durante la llamada.",
  join: "Unirse a la llamada",
  starting: "Activando la cámara y el micrófono…",
  waitingTitle: "Esperando a un operador",
  position: "Es el número {position} en la cola.",
  waitingHint: "Permanezca en esta página. La llamada empieza en cuanto responda un operador.",
  leave: "Salir de la cola",
  connecting: "Conectando…",
  inCallTitle: "Está en la llamada",
  inCallHint: "Siga las indicaciones del operador.",
  hangUp: "Colgar",
  timeoutTitle: "Nadie ha respondido",
  timeoutBody: "Ningún operador pudo responder en {minutes} minutos. Puede intentarlo de nuevo.",
  operatorLeftTitle: "La llamada ha terminado",
  operatorLeftBody: "El operador salió de la llamada antes de terminar. Puede volver a unirse.",
  leftTitle: "Ha salido de la llamada",
  leftBody: "Vuelva a unirse cuando esté listo.",
  retry: "Intentar de nuevo",
  mediaTitle: "Cámara o micrófono no disponibles",
  mediaBody:
    "La llamada necesita la cámara y el micrófono. Permítalos en la configuración del navegador e inténtelo de nuevo.",
  you: "Usted",
  operator: "Operador",
  recorded: "La llamada se graba. La grabación se conserva con su verificación como prueba de ella.",
};

const uk: Messages = {
  title: "Відеодзвінок з оператором",
  body: "Оператор побачить і почує вас, щоб підтвердити вашу особу. Тримайте документ під рукою. Камера й мікрофон використовуються лише під час дзвінка.",
  join: "Приєднатися до дзвінка",
  starting: "Вмикаємо камеру та мікрофон…",
  waitingTitle: "Очікування оператора",
  position: "Ви {position}-й у черзі.",
  waitingHint: "Будь ласка, залишайтеся на цій сторінці. Дзвінок почнеться, щойно відповість оператор.",
  leave: "Вийти з черги",
  connecting: "З'єднання…",
  inCallTitle: "Ви у дзвінку",
  inCallHint: "Дотримуйтесь вказівок оператора.",
  hangUp: "Завершити дзвінок",
  timeoutTitle: "Ніхто не відповів",
  timeoutBody: "Жоден оператор не відповів протягом {minutes} хв. Ви можете спробувати ще раз.",
  operatorLeftTitle: "Дзвінок завершено",
  operatorLeftBody: "Оператор залишив дзвінок, не завершивши перевірку. Ви можете приєднатися знову.",
  leftTitle: "Ви залишили дзвінок",
  leftBody: "Приєднайтеся знову, коли будете готові.",
  retry: "Спробувати ще раз",
  mediaTitle: "Камера або мікрофон недоступні",
  mediaBody:
    "Для дзвінка потрібні камера й мікрофон. Дозвольте їх у налаштуваннях браузера та спробуйте ще раз.",
  you: "Ви",
  operator: "Оператор",
  recorded: "Дзвінок записується. Запис зберігається разом із вашою перевіркою як її доказ.",
};

const el: Messages = {
  title: "Βιντεοκλήση με χειριστή",
  body: "Ένας χειριστής θα σας δει και θα σας ακούσει για να επιβεβαιώσει την ταυτότητά σας. Έχετε το έγγραφο ταυτότητας διαθέσιμο. Η κάμερα και το μικρόφωνο χρησιμοποιούνται μόνο κατά την κλήση.",
  join: "Συμμετοχή στην κλήση",
  starting: "Ενεργοποίηση κάμερας και μικροφώνου…",
  waitingTitle: "Αναμονή για χειριστή",
  position: "Είστε νούμερο {position} στην ουρά.",
  waitingHint: "Παραμείνετε σε αυτή τη σελίδα. Η κλήση ξεκινά μόλις απαντήσει ένας χειριστής.",
  leave: "Έξοδος από την ουρά",
  connecting: "Σύνδεση…",
  inCallTitle: "Είστε στην κλήση",
  inCallHint: "Ακολουθήστε τις οδηγίες του χειριστή.",
  hangUp: "Τερματισμός",
  timeoutTitle: "Δεν απάντησε κανείς",
  timeoutBody: "Κανένας χειριστής δεν απάντησε μέσα σε {minutes} λεπτά. Μπορείτε να δοκιμάσετε ξανά.",
  operatorLeftTitle: "Η κλήση τερματίστηκε",
  operatorLeftBody: "Ο χειριστής αποχώρησε πριν ολοκληρώσει. Μπορείτε να συνδεθείτε ξανά.",
  leftTitle: "Αποχωρήσατε από την κλήση",
  leftBody: "Συνδεθείτε ξανά όταν είστε έτοιμοι.",
  retry: "Δοκιμάστε ξανά",
  mediaTitle: "Η κάμερα ή το μικρόφωνο δεν είναι διαθέσιμα",
  mediaBody:
    "Η κλήση χρειάζεται κάμερα και μικρόφωνο. Επιτρέψτε τα στις ρυθμίσεις του προγράμματος περιήγησης και δοκιμάστε ξανά.",
  you: "Εσείς",
  operator: "Χειριστής",
  recorded: "Η κλήση καταγράφεται. Η καταγραφή φυλάσσεται μαζί με την επαλήθευσή σας ως αποδεικτικό της.",
};

export const VIDEO_CALL_LOCALES = { en, ka, ru, es, uk, el } as const satisfies Record<string, Messages>;

export type VideoCallTranslate = (key: VideoCallMessageKey, vars?: Record<string, string | number>) => string;

export function videoCallTranslator(lang: string): VideoCallTranslate {
  const table: Messages = VIDEO_CALL_LOCALES[lang as keyof typeof VIDEO_CALL_LOCALES] ?? en;
  return (key, vars = {}) =>
    (table[key] ?? en[key]).replace(/\{(\w+)\}/g, (m, name: string) =>
      vars[name] === undefined ? m : String(vars[name]),
    );
}
