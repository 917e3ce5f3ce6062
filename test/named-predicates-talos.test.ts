import { IMAGE_PREDICATES } from '../src/rules/named/image';
import { LIFECYCLE_PREDICATES } from '../src/rules/named/lifecycle';
import { argValues, plaintextSecret, publicIpLiteral, TALOS_PREDICATES } from '../src/rules/named/talos';

const t = (name: string, value: unknown) => TALOS_PREDICATES[name].test(value);

describe('Talos named predicates', () => {
  test('argValues reads Talos meta.Args (string or list)', () => {
    expect(argValues({ a: 'x' }, 'a')).toEqual(['x']);
    expect(argValues({ a: true, b: 10255 }, 'b')).toEqual(['10255']);
    expect(argValues({ a: ['x', 'y'] }, 'a')).toEqual(['x', 'y']);
    expect(argValues({}, 'a')).toEqual([]);
    expect(argValues('a=b', 'a')).toBeUndefined();
    expect(argValues({ a: { nested: 1 } }, 'a')).toBeUndefined();
  });

  test('unpinnedImage: no tag or latest, and no digest', () => {
    const u = (v: unknown) => IMAGE_PREDICATES.unpinnedImage.test(v);
    expect(u('registry.k8s.io/kube-apiserver:latest')).toBe(true);
    expect(u('ghcr.io/siderolabs/kubelet')).toBe(true);
    expect(u('registry.local:5000/kube-proxy')).toBe(true);
    expect(u('registry.local:5000/kube-proxy:v1.36.3')).toBe(false);
    expect(u('registry.k8s.io/etcd@sha256:abcd')).toBe(false);
    expect(u('')).toBeUndefined();
  });

  test('kubernetesTalosAPIAccess roles (TAL-005)', () => {
    const access = (roles: string[], namespaces: string[], enabled: unknown = true) => ({ enabled, allowedRoles: roles, allowedKubernetesNamespaces: namespaces });
    expect(t('talosApiAccessGrantsAdmin', access(['os:admin'], ['ops']))).toBe(true);
    expect(t('talosApiAccessGrantsAdmin', access(['os:admin'], ['ops'], false))).toBe(false);
    expect(t('talosApiAccessGrantsAdmin', { allowedRoles: ['os:admin'] })).toBeUndefined();
    expect(t('talosApiAccessGrantsPowerfulRole', access(['os:reader', 'os:operator'], ['x']))).toBe(true);
    expect(t('talosApiAccessGrantsPowerfulRole', access(['os:reader', 'os:etcd:backup'], ['x']))).toBe(false);
    expect(t('talosApiAccessSystemNamespaces', access(['os:reader'], ['kube-system']))).toBe(true);
    expect(t('talosApiAccessSystemNamespaces', access([], ['kube-system']))).toBe(false);
  });

  test('kubelet access (TAL-006)', () => {
    expect(t('kubeletAnonymousAuth', { extraArgs: { 'anonymous-auth': 'true' } })).toBe(true);
    expect(t('kubeletAnonymousAuth', { extraConfig: { authentication: { anonymous: { enabled: true } } } })).toBe(true);
    expect(t('kubeletAnonymousAuth', { extraArgs: { 'anonymous-auth': 'false' } })).toBe(false);
    expect(t('kubeletAlwaysAllow', { extraArgs: { 'authorization-mode': 'Webhook,AlwaysAllow' } })).toBe(true);
    expect(t('kubeletAlwaysAllow', { extraConfig: { authorization: { mode: 'AlwaysAllow' } } })).toBe(true);
    expect(t('kubeletAlwaysAllow', { extraConfig: { authorization: { mode: 'Webhook' } } })).toBe(false);
    expect(t('kubeletSkipsNodeRegistration', { skipNodeRegistration: true })).toBe(true);
    expect(t('kubeletReadOnlyPort', { extraArgs: { 'read-only-port': 10255 } })).toBe(true);
    expect(t('kubeletReadOnlyPort', { extraConfig: { readOnlyPort: 0 } })).toBe(false);
    expect(t('kubeletReadOnlyPort', 'kubelet')).toBeUndefined();
  });

  test('PodSecurity admission (TAL-009)', () => {
    const ps = (enforce: string, namespaces = ['kube-system']) => ({
      name: 'PodSecurity',
      configuration: { defaults: { enforce }, exemptions: { namespaces } },
    });
    expect(t('podSecurityEnforcesPrivileged', ps('privileged'))).toBe(true);
    expect(t('podSecurityEnforcesPrivileged', ps('restricted'))).toBe(false);
    expect(t('podSecurityEnforcesPrivileged', { name: 'EventRateLimit', configuration: {} })).toBe(false);
    expect(t('podSecurityExtraExemptions', ps('restricted', ['kube-system', 'monitoring']))).toBe(true);
    expect(t('podSecurityExtraExemptions', ps('restricted'))).toBe(false);
    expect(t('podSecurityEnforcesBaseline', ps('baseline'))).toBe(true);
  });

  test('audit policy and retention (TAL-010)', () => {
    const api = (rules: unknown[], extraArgs: Record<string, string> = {}) => ({ auditPolicy: { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules }, extraArgs });
    expect(t('auditPolicyDisabled', api([]))).toBe(true);
    expect(t('auditPolicyDisabled', api([{ level: 'None', users: ['system:kube-proxy'] }, { level: 'None' }]))).toBe(true);
    expect(t('auditPolicyDisabled', api([{ level: 'None', users: ['system:kube-proxy'] }, { level: 'Metadata' }]))).toBe(false);
    expect(t('auditPolicyDisabled', { auditPolicy: {} })).toBe(false);
    expect(t('auditPolicyDisabled', api([{ level: 'None', omitStages: ['RequestReceived'] }]))).toBe(true); // omitStages selects nothing
    expect(t('auditPolicyDisabled', { image: 'x' })).toBe(false);
    expect(t('auditLogRetentionShort', { extraArgs: { 'audit-log-maxage': '7' } })).toBe(true);
    expect(t('auditLogRetentionShort', { extraArgs: { 'audit-log-maxage': '30' } })).toBe(false);
    expect(t('auditLogToStdout', { extraArgs: { 'audit-log-path': '-' } })).toBe(true);
  });

  test('kube-apiserver extra args (TAL-011)', () => {
    expect(t('apiServerAnonymousAuth', { 'anonymous-auth': true })).toBe(true);
    expect(t('apiServerAnonymousAuth', { 'anonymous-auth': ['true', 'false'] })).toBe(false);
    expect(t('apiServerAlwaysAllow', { 'authorization-mode': 'AlwaysAllow' })).toBe(true);
    expect(t('apiServerAlwaysAdmit', { 'enable-admission-plugins': ['NodeRestriction', 'AlwaysAdmit'] })).toBe(true);
    expect(t('apiServerAlwaysAdmit', { 'enable-admission-plugins': 'NodeRestriction,AlwaysPullImages' })).toBe(false);
    expect(t('apiServerWeakTlsVersion', { 'tls-min-version': 'VersionTLS11' })).toBe(true);
    expect(t('apiServerWeakTlsVersion', { 'tls-min-version': 'VersionTLS12' })).toBe(false);
    expect(t('apiServerProfiling', { profiling: 'true' })).toBe(true);
    expect(t('apiServerProfiling', {})).toBe(false);
    expect(t('apiServerProfiling', null)).toBeUndefined();
  });

  test('plaintext secrets (TAL-015)', () => {
    expect(plaintextSecret('k3x9pq.7hd0w2m4v8c1z5re')).toBe(true);
    expect(plaintextSecret('ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]')).toBe(false);
    expect(plaintextSecret('${MACHINE_TOKEN}')).toBe(false);
    expect(plaintextSecret('{{ .Secret }}')).toBe(false);
    expect(plaintextSecret('REDACTED')).toBe(false);
    expect(plaintextSecret('')).toBe(false);
    expect(plaintextSecret('-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----')).toBe(false);
    // dummies where a key goes: a name in capitals, a PEM armour too short to hold any key (as text or base64)
    expect(plaintextSecret('PRIVATE-KEY')).toBe(false);
    expect(plaintextSecret('YOUR_TOKEN_HERE')).toBe(false);
    expect(plaintextSecret('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEfake\n-----END EC PRIVATE KEY-----')).toBe(false);
    expect(plaintextSecret(Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEfake\n-----END EC PRIVATE KEY-----\n').toString('base64'))).toBe(false);
    // the smallest real key (Ed25519, PKCS#8: 64 base64 characters) is a key, as text or base64
    const ed25519 = `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI${'A'.repeat(43)}\n-----END PRIVATE KEY-----\n`;
    expect(plaintextSecret(ed25519)).toBe(true);
    expect(plaintextSecret(Buffer.from(ed25519).toString('base64'))).toBe(true);
    // a passphrase in lower case or with digits is not a name
    expect(plaintextSecret('topsecret')).toBe(true);
    expect(plaintextSecret('DEADBEEF00C0FFEE')).toBe(true);
    // the named predicate judges one field's value; a map or a number is not a secret string
    expect(t('plaintextSecret', 'q8w2ne.d4kx0f7s1j6m3b9t')).toBe(true);
    expect(t('plaintextSecret', 'ENC[AES256_GCM,data:gu6Q,iv:oVzJ,tag:1Z1s,type:str]')).toBe(false);
    expect(t('plaintextSecret', { crt: 'LS0t' })).toBeUndefined();
    expect(t('plaintextSecret', 12345678)).toBeUndefined();
  });

  test('disk encryption keys (TAL-016)', () => {
    const enc = (...keys: Record<string, unknown>[]) => ({ provider: 'luks2', keys: keys.map((k, slot) => ({ slot, ...k })) });
    expect(t('diskEncryptionStaticKeysOnly', enc({ static: { passphrase: 'p' } }))).toBe(true);
    expect(t('diskEncryptionStaticKeysOnly', enc({ tpm: {} }, { static: { passphrase: 'p' } }))).toBe(false);
    expect(t('diskEncryptionNodeIdKeysOnly', enc({ nodeID: {} }))).toBe(true);
    expect(t('diskEncryptionWeakKeysOnly', enc({ nodeID: {} }, { static: { passphrase: 'p' } }))).toBe(true);
    expect(t('diskEncryptionWeakKeysOnly', enc({ kms: { endpoint: 'https://k' } }))).toBe(false);
    expect(t('diskEncryptionKmsOverHttp', enc({ kms: { endpoint: 'http://k:4050' } }))).toBe(true);
    expect(t('diskEncryptionKmsOverHttp', enc({ kms: { endpoint: 'https://k:4050' } }))).toBe(false);
    expect(t('diskEncryptionStaticKeysOnly', { provider: 'luks2' })).toBeUndefined();
  });

  test('registries (TAL-017)', () => {
    expect(t('registryTlsVerificationDisabled', { tls: { insecureSkipVerify: true } })).toBe(true);
    expect(t('registryTlsVerificationDisabled', { tls: { ca: 'x' } })).toBe(false);
    expect(t('registryMirrorPlainHttp', { endpoints: ['https://a', 'http://b:5000'] })).toBe(true);
    expect(t('registryMirrorPlainHttp', { endpoints: ['https://a'] })).toBe(false);
    expect(t('registryMirrorPlainHttp', { auth: { username: 'u' } })).toBe(false);
  });

  test('image verification order (TAL-018)', () => {
    const verify = { image: 'ghcr.io/*', keyless: { issuer: 'https://i' } };
    expect(t('imageVerificationSkipAllFirst', [{ image: '*', skip: true }, verify])).toBe(true);
    expect(t('imageVerificationSkipAllFirst', [verify, { image: '*', skip: true }])).toBe(false);
    expect(t('imageVerificationSkipAllFirst', [{ image: 'docker.io/*', skip: true }, verify])).toBe(false);
    expect(t('imageVerificationSkipAllFirst', { rules: [] })).toBeUndefined();
  });

  test('discovery (TAL-021)', () => {
    expect(t('discoveryUsesPublicService', { enabled: true, registries: { service: {} } })).toBe(true);
    expect(t('discoveryUsesPublicService', { enabled: true, registries: { service: { endpoint: 'https://discovery.talos.dev/' } } })).toBe(true);
    expect(t('discoveryUsesPublicService', { enabled: true })).toBe(false);
    expect(t('discoveryUsesPublicService', { enabled: true, registries: { service: { disabled: true } } })).toBe(false);
    expect(t('discoveryEndpointPlainHttp', { enabled: true, registries: { service: { endpoint: 'http://d.lan/' } } })).toBe(true);
    expect(t('discoveryEndpointPlainHttp', { enabled: false, registries: { service: { endpoint: 'http://d.lan/' } } })).toBe(false);
  });

  test('log destinations (TAL-022) and public addresses', () => {
    expect(publicIpLiteral('203.0.113.10')).toBe(true);
    expect(publicIpLiteral('10.1.2.3')).toBe(false);
    expect(publicIpLiteral('172.20.0.1')).toBe(false);
    expect(publicIpLiteral('fd00::1')).toBe(false);
    expect(publicIpLiteral('2001:db8::1')).toBe(true);
    expect(publicIpLiteral('logs.example.com')).toBeUndefined();
    expect(t('logDestinationPublicAddress', [{ endpoint: 'udp://203.0.113.10:514/', format: 'json_lines' }])).toBe(true);
    expect(t('logDestinationPublicAddress', [{ endpoint: 'tcp://10.0.0.20:5170' }, { endpoint: 'tcp://[fd00::20]:5170' }])).toBe(false);
    expect(t('logDestinationPublicAddress', [{ endpoint: 'tcp://vector.example:6051' }])).toBe(false);
  });

  test('kernel arguments (TAL-024)', () => {
    expect(t('weakeningKernelArgs', ['console=ttyS0', 'selinux=0'])).toBe(true);
    expect(t('weakeningKernelArgs', ['-lockdown'])).toBe(true);
    expect(t('weakeningKernelArgs', ['talos.auditd.disabled=true'])).toBe(true);
    expect(t('weakeningKernelArgs', ['intel_iommu=on mitigations=off'])).toBe(true);
    expect(t('weakeningKernelArgs', ['talos.auditd.disabled=0', 'selinux=1', '-console', 'init_on_free=1'])).toBe(false);
    expect(t('weakeningKernelArgs', 'selinux=0')).toBeUndefined();
  });

  test('sysctls (TAL-025)', () => {
    expect(t('sysctlsExposeKernelInformation', { 'kernel.kptr_restrict': '0' })).toBe(true);
    expect(t('sysctlsExposeKernelInformation', { 'kernel.perf_event_paranoid': '-1' })).toBe(true);
    expect(t('sysctlsExposeKernelInformation', { 'kernel.kptr_restrict': '2', 'kernel.perf_event_paranoid': 3 })).toBe(false);
    expect(t('sysctlsWeakenProcessIsolation', { 'kernel.yama.ptrace_scope': 0 })).toBe(true);
    expect(t('sysctlsAcceptRedirects', { 'net/ipv4/conf/all/accept_redirects': '1' })).toBe(true);
    expect(t('sysctlsAcceptRedirects', { 'net.ipv4.ip_forward': '1' })).toBe(false);
    expect(t('sysctlsWeakenFilesystemProtections', { 'fs.protected_regular': '0' })).toBe(true);
    expect(t('sysctlsWeakenFilesystemProtections', { 'fs.protected_regular': '2' })).toBe(false);
    expect(t('sysctlsWeakenFilesystemProtections', ['fs.protected_regular=0'])).toBeUndefined();
  });

  test('etcd extra args (TAL-027)', () => {
    expect(t('etcdClientCertAuthDisabled', { 'client-cert-auth': 'false' })).toBe(true);
    expect(t('etcdClientCertAuthDisabled', { 'client-cert-auth': 'true' })).toBe(false);
    expect(t('etcdAutoTls', { 'peer-auto-tls': true })).toBe(true);
    expect(t('etcdAutoTls', {})).toBe(false);
    expect(t('etcdWeakCipherSuites', { 'cipher-suites': 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' })).toBe(true);
    expect(t('etcdWeakCipherSuites', { 'cipher-suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' })).toBe(false);
    expect(t('etcdMetricsExposed', { 'listen-metrics-urls': 'http://0.0.0.0:2381' })).toBe(true);
    expect(t('etcdMetricsExposed', { 'listen-metrics-urls': 'http://127.0.0.1:2381,http://localhost:2382' })).toBe(false);
    expect(t('etcdMetricsExposed', { 'listen-metrics-urls': 'https://0.0.0.0:2381' })).toBe(false);
  });

  test('end of life of Talos and Kubernetes releases, against the dated table and the day of the check (TAL-028)', () => {
    const at = (date: string) => ({ now: new Date(date) });
    const talos = (v: string, date: string) => LIFECYCLE_PREDICATES.endOfLifeTalos.test(v, at(date));
    const kube = (v: string, date: string) => LIFECYCLE_PREDICATES.endOfLifeKubernetes.test(v, at(date));
    // Talos 1.9 loses security updates when 1.11 ships (2025-09-01).
    expect(talos('ghcr.io/siderolabs/installer:v1.9.6', '2025-08-31')).toBe(false);
    expect(talos('ghcr.io/siderolabs/installer:v1.9.6', '2025-09-01')).toBe(true);
    expect(talos('v1.12.4', '2026-11-23')).toBe(false);
    expect(talos('v0.14.3', '2026-11-23')).toBe(true); // older than the table
    expect(talos('v1.20.0', '2026-11-23')).toBeUndefined(); // newer than the table: not judged
    expect(talos('ghcr.io/siderolabs/installer:latest', '2026-11-23')).toBeUndefined();
    expect(kube('registry.k8s.io/kube-apiserver:v1.31.2', '2025-11-11')).toBe(true);
    expect(kube('registry.k8s.io/kube-apiserver:v1.31.2', '2025-11-10')).toBe(false);
    expect(kube('v1.21.0', '2020-01-01')).toBe(true);
    expect(kube('ghcr.io/siderolabs/kubelet:v1.40.0', '2026-11-23')).toBeUndefined();
    expect(LIFECYCLE_PREDICATES.endOfLifeTalos.culprit!('factory.talos.dev/metal-installer/abc:v1.7.1')).toBe('Talos 1.7');
  });
});
