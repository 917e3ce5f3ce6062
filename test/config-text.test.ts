import { optionOfKey, readConfigText, writtenWhenUnset } from '../src/rules/config-text';
import { UNKNOWN_PART } from '../src/nix/value';

/** Config texts read as their daemons read them (the proof of the `also: text` sources of the rules). */
describe('config texts', () => {
  test('sshd: the first top-level value counts; Match blocks count on their own and say which connections', () => {
    const text = 'MaxAuthTries 10\nmaxauthtries=2 # a second value is ignored by sshd\nMatch User git\n  MaxAuthTries 20\nMatch all\nMaxAuthTries 30\n';
    expect(readConfigText('sshd', text, 'MaxAuthTries')).toEqual([
      { value: 10, line: 'MaxAuthTries 10', overridesOption: false },
      { value: 20, line: 'MaxAuthTries 20', overridesOption: true, scope: 'Match User git' },
    ]);
  });

  test('sshd: yes/no are booleans only where NixOS declares the setting a boolean', () => {
    expect(readConfigText('sshd', 'PasswordAuthentication yes', 'PasswordAuthentication')[0].value).toBe(true);
    expect(readConfigText('sshd', 'PermitRootLogin yes', 'PermitRootLogin')[0].value).toBe('yes');
    expect(readConfigText('sshd', `Ciphers ${UNKNOWN_PART}`, 'Ciphers')).toEqual([]);
  });

  test('sshd: the keywords NixOS writes before extraConfig shadow a top-level line; a freeform one does not', () => {
    expect(writtenWhenUnset('sshd', 'PermitRootLogin')).toBe(true);
    expect(writtenWhenUnset('sshd', 'MaxAuthTries')).toBe(false);
    expect(optionOfKey('sshd', 'ClientAliveInterval')).toEqual(['services', 'openssh', 'settings', 'ClientAliveInterval']);
    expect(optionOfKey('systemd', 'SystemMaxUse')).toBeUndefined();
  });

  test('sudoers: tags carry to the commands after them, PASSWD undoes NOPASSWD, comments and aliases are not rules, #uid is a user', () => {
    const text = [
      '# NOPASSWD: ALL in a comment',
      'Cmnd_Alias REBOOT = /sbin/reboot',
      '%wheel ALL=(ALL:ALL) NOPASSWD: /bin/a, /bin/b, PASSWD: ALL # trailing comment',
      '#1000 ALL=(root) NOPASSWD: /bin/c',
      `deploy ALL=(root) SETENV: NOPASSWD: ${UNKNOWN_PART}/bin/nixos-rebuild`,
    ].join('\n');
    expect(readConfigText('sudoers', text).map((e) => e.value)).toEqual([
      [{ commands: [{ command: '/bin/a', options: ['NOPASSWD'] }, { command: '/bin/b', options: ['NOPASSWD'] }, { command: 'ALL', options: ['PASSWD'] }] }],
      [{ commands: [{ command: '/bin/c', options: ['NOPASSWD'] }] }],
      [{ commands: [{ command: `${UNKNOWN_PART}/bin/nixos-rebuild`, options: ['SETENV', 'NOPASSWD'] }] }],
    ]);
  });

  test('sudoers: Defaults !authenticate is every command without a password', () => {
    expect(readConfigText('sudoers', 'Defaults:ops !authenticate\nDefaults timestamp_timeout=0').map((e) => e.value)).toEqual([[{ commands: [{ command: 'ALL', options: ['NOPASSWD'] }] }]]);
  });

  test('systemd (journald.conf): the last value wins, over the options NixOS writes before the text', () => {
    expect(readConfigText('systemd', '[Journal]\nMaxRetentionSec=1day\n; a comment\nMaxRetentionSec=1month\n', 'MaxRetentionSec')).toEqual([
      { value: '1month', line: 'MaxRetentionSec=1month', overridesOption: true },
    ]);
    expect(readConfigText('systemd', 'Storage=persistent\n', 'MaxRetentionSec')).toEqual([]);
  });
});
