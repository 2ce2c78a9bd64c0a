import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError, flattenErrors } from '../../common/validation.errors';
import { RenderTemplateParams } from './render-template.dto';
import { SendEmailDto } from './send-email.dto';

const STRICT = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true };

function errorsOf(type: new () => object, plain: object): FieldError[] {
  return flattenErrors(validateSync(plainToInstance(type, plain), STRICT));
}

describe('RenderTemplateParams (the path of POST /templates/:name/render)', () => {
  it('takes :name as `template`', () => {
    const params = plainToInstance(RenderTemplateParams, { name: 'verify-email' });
    expect(params).toEqual({ template: 'verify-email' });
    expect(validateSync(params, STRICT)).toEqual([]);
  });

  it.each(['../package', 'Verify-Email', 'x'.repeat(65)])(
    'refuses %j exactly as a send request does',
    (name) => {
      const send = { email_to: 'a@example.com', subject: 's', template: name };
      expect(errorsOf(RenderTemplateParams, { name })).toEqual([
        { field: 'template', message: 'template must be a plain template name like verify-email' },
      ]);
      expect(errorsOf(SendEmailDto, send)).toEqual(errorsOf(RenderTemplateParams, { name }));
    },
  );
});
