import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { OutgoingEmail } from '../domain/email';
import { emailDocument } from '../domain/html';
import { singleLineHeader } from '../domain/mail-headers';

/** SES stopped the account or the configuration set from sending: nothing will go until someone acts. */
export const sendingStopped = (error: unknown) => error instanceof Error && ['SendingPausedException', 'AccountSuspendedException'].includes(error.name);

/** Sends email through SES v2 with the sender address and configuration set of the deployment. */
export class SesMailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
    private readonly configurationSetName: string,
  ) {}

  /**
   * Every mail path sends through here, so this is where header values are made single-line, whatever
   * lead data they carry, and where the HTML becomes a whole document (emailDocument).
   */
  async send(email: OutgoingEmail): Promise<string> {
    const subject = singleLineHeader(email.subject);
    const result = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [...email.to] },
        ConfigurationSetName: this.configurationSetName,
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: emailDocument(email.html, subject), Charset: 'UTF-8' } },
            ...(email.headers ? { Headers: Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value: singleLineHeader(Value) })) } : {}),
          },
        },
        ...(email.tags ? { EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })) } : {}),
      }),
    );
    return result.MessageId ?? '';
  }
}
