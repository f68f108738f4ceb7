import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/** The secrets the functions read: the key ring that signs subscriber links, the salt of address hashes, the forms' CAPTCHA keys. */
export class Secrets {
  readonly signingKeys: Secret;
  readonly privacySalt: Secret;
  readonly formCaptcha: Secret;

  constructor(scope: Construct) {
    // The key ring that signs subscriber links: { current, <kid>: <secret> }. Rotate by adding a key
    // and pointing `current` at it; older links verify until their key is removed.
    this.signingKeys = new Secret(scope, 'SigningKeys', {
      description: 'HMAC keys for subscriber links (unsubscribe, preferences, confirmation)',
      generateSecretString: { secretStringTemplate: JSON.stringify({ current: 'k1' }), generateStringKey: 'k1', passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.signingKeys).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotation adds a key id beside the old one (links already sent must keep verifying); an operator rotates by editing the key ring, which single-value automatic rotation cannot do.',
    });

    // Addresses are kept as HMACs under this salt where the address itself must not be (suppressions
    // outliving an erasure). Never rotated: a new salt would stop old hashes from matching.
    this.privacySalt = new Secret(scope, 'PrivacySalt', {
      description: 'Salt of one-way address hashes (suppression list, erased leads)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.privacySalt).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The salt must never change, or suppressed and erased addresses would stop matching their hashes.',
    });

    // Each form with a CAPTCHA names its provider's secret key here: { "<secretName>": "<secret key>" }.
    // An operator adds a form's key when enabling its CAPTCHA; the definition holds only the name.
    this.formCaptcha = new Secret(scope, 'FormCaptcha', {
      description: "Forms' CAPTCHA secret keys (Cloudflare Turnstile, hCaptcha), one per form by name",
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.formCaptcha).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The keys are issued by the CAPTCHA providers; they are rotated in the provider console and pasted here, which Secrets Manager rotation cannot do.',
    });
  }
}
