/**
 * In-app browsers (social and messaging apps, Android WebViews) often have no camera access or lose
 * it when the app backgrounds: the person is told to open the page in a real browser first.
 */
const IN_APP =
  /FBAN|FBAV|FB_IAB|Instagram|Line\/|MicroMessenger|Twitter|TikTok|musical_ly|Snapchat|LinkedInApp|; wv\)/i;

export function isInAppBrowser(userAgent: string): boolean {
  return IN_APP.test(userAgent);
}
